/**
 * Micro-benchmark of the dispatcher's decision: plan one tick for 10,000 devices with mixed rules
 * and zones (RRULE text and recurrence_rule objects), as the dispatcher Lambda will every few
 * minutes. Prints the time of the first tick (parsing every rule, cold caches) and of the
 * following ticks (what a warm Lambda pays), and fails (exit 1) when a warm tick takes 1 s or more.
 *
 *   npx tsx bench/schedule-tick.ts                 # 10,000 devices, 5-minute ticks
 *   npx tsx bench/schedule-tick.ts --devices 50000 --ticks 24
 */
import { parseArgs } from 'node:util';
import { planDispatch, type DispatchDevice, type ScheduleInput } from '../lambdas/schedule';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    ticks: { type: 'string', default: '12' },
    'tick-minutes': { type: 'string', default: '5' },
  },
});
const deviceCount = Number(values.devices);
const tickCount = Number(values.ticks);
const tickMs = Number(values['tick-minutes']) * 60_000;

const ZONES = ['UTC', 'Europe/Budapest', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Chatham', 'Asia/Tokyo'];

/** A realistic mix: mostly nightly and weekly rules, each device at its own minute. */
function ruleFor(i: number): ScheduleInput {
  const hour = i % 24;
  const minute = (i * 7) % 60;
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return `FREQ=DAILY;BYHOUR=${hour};BYMINUTE=${minute}`;
    case 3:
      return { freq: 'DAILY', byhour: [hour], byminute: [minute] };
    case 4:
      return `FREQ=WEEKLY;BYDAY=${['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][i % 7]};BYHOUR=${hour};BYMINUTE=${minute}`;
    case 5:
      return `FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=${hour};BYMINUTE=${minute}`;
    case 6:
      return { freq: 'QUARTERLY', bymonthday: [1 + (i % 28)], byhour: [hour], byminute: [minute] };
    case 7:
      return `FREQ=HOURLY;INTERVAL=${1 + (i % 6)};BYMINUTE=${minute}`;
    case 8:
      return `DTSTART;TZID=${ZONES[i % ZONES.length]}:20250101T${String(hour).padStart(2, '0')}${String(minute).padStart(2, '0')}00\nRRULE:FREQ=DAILY;INTERVAL=2`;
    default:
      return `FREQ=MINUTELY;INTERVAL=${30 + (i % 4) * 15};BYHOUR=0,1,2,3,4,5`;
  }
}

const devices: DispatchDevice[] = Array.from({ length: deviceCount }, (_, i) => {
  const rrule = ruleFor(i);
  const timezone = ZONES[i % ZONES.length]!;
  // Rules with their own DTSTART;TZID carry their zone; a second one would have to agree.
  return { id: `device-${i}`, schedule: typeof rrule === 'string' && rrule.startsWith('DTSTART') ? { rrule } : { rrule, timezone } };
});

const start = Date.parse('2026-03-29T00:00:00Z'); // the European spring-forward night
const running = new Set<string>(devices.filter((_, i) => i % 50 === 0).map((d) => d.id));
const times: number[] = [];
let due = 0;
let skipped = 0;
for (let t = 0; t < tickCount; t++) {
  const now = new Date(start + (t + 1) * tickMs);
  const began = performance.now();
  const plan = planDispatch({ devices, lastTick: new Date(start + t * tickMs), now, running, jitterMinutes: 10 });
  times.push(performance.now() - began);
  due += plan.due.length;
  skipped += plan.skipped.length;
}
const warm = times.slice(1).sort((a, b) => a - b);
const median = warm[Math.floor(warm.length / 2)] ?? Number.NaN;
const worst = warm[warm.length - 1] ?? Number.NaN;
const ms = (v: number) => `${v.toFixed(1)} ms`;
process.stdout.write(
  [
    `planDispatch: ${deviceCount} devices, ${tickCount} ticks of ${tickMs / 60_000} min from 2026-03-29T00:00Z, node ${process.version}`,
    `  first tick (parse all rules, cold caches): ${ms(times[0] ?? Number.NaN)}`,
    warm.length > 0 ? `  next ticks: median ${ms(median)}, worst ${ms(worst)}` : '  (one tick only: --ticks 2 or more to time warm ticks)',
    `  started ${due}, skipped ${skipped} (every 50th device is marked running)`,
    '',
  ].join('\n'),
);
if (warm.length > 0 && !(worst < 1000)) {
  process.stderr.write(`a warm tick took ${ms(worst)}: the target is well under 1 s\n`);
  process.exitCode = 1;
}
