import { describe, expect, it } from 'vitest';
import { parseArchiveKey } from '../../../lambdas/archive/keys';
import type { Log } from '../../../lambdas/common/log';
import { parseConfig } from '../../../lambdas/config/load';
import {
  DISPATCHER_STATE_KEY,
  MemoryDispatcherStateStore,
  putEventsEntry,
  runDispatchTick,
  type BackupSkippedDetail,
  type DispatcherState,
  type SkipEventSink,
} from '../../../lambdas/dispatcher';
import { jitterOffsetSeconds } from '../../../lambdas/schedule';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_BACKUP_STATE_MACHINE_ARN, LocalStepFunctions } from '../../../cli/local/local-step-functions';

/**
 * The dispatcher's I/O around planTick, against in-memory stand-ins for Step Functions
 * (LocalStepFunctions, through the production adapter: answers a duplicate StartExecution as AWS
 * does), the state object and EventBridge. Times are in November 2026: Europe/Budapest is UTC+1, so 02:00 there is 01:00Z.
 */

const NIGHTLY = { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'Europe/Budapest' };
const HOURLY = { rrule: 'FREQ=HOURLY;BYMINUTE=0' };

function configWith(devices: { id: string; schedule?: object }[], scheduler: Record<string, unknown> = {}) {
  return parseConfig({
    archive: { bucket: 'acme-backups' },
    scheduler,
    devices: devices.map((d) => ({ type: 'riverbed-npm-v1', url: `https://${d.id}.example.net`, secret: `backup-runner/${d.id}`, ...d })),
  });
}

class RecordingSink implements SkipEventSink {
  readonly events: BackupSkippedDetail[] = [];
  async publish(events: readonly BackupSkippedDetail[]) {
    this.events.push(...events);
    return 0;
  }
}

function recordingLog(): Log & { lines: { level: string; message: string; extra?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push({ level, message, ...(extra ? { extra } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function harness(config: ReturnType<typeof configWith>, options: { state?: DispatcherState; sfn?: LocalStepFunctions } = {}) {
  const sfn = options.sfn ?? new LocalStepFunctions();
  const store = new MemoryDispatcherStateStore(options.state);
  const events = new RecordingSink();
  const log = recordingLog();
  const tick = (now: string) => runDispatchTick({ config, executions: sfn.backupExecutions(), store, events, log, now: () => new Date(now) });
  return { sfn, store, events, log, tick };
}

const stateAt = (lastTick: string, pending: DispatcherState['pending'] = []): DispatcherState => ({ version: 1, lastTick, pending });

describe('dispatcher tick', () => {
  it('starts one execution per device and occurrence, named <deviceId>-<occurrence>, with the schedule input', async () => {
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }, { id: 'edge', schedule: HOURLY }, { id: 'manual-only' }]), {
      state: stateAt('2026-11-22T00:55:00Z'),
    });
    const outcome = await h.tick('2026-11-22T01:00:30Z');
    expect(outcome.started.sort()).toEqual(['ar11-lab-20261122T0100Z', 'edge-20261122T0100Z']);
    expect(h.sfn.executions.get('ar11-lab-20261122T0100Z')?.input).toEqual({
      deviceId: 'ar11-lab',
      occurrence: '2026-11-22T01:00:00Z',
      trigger: 'schedule',
      dispatchedAt: '2026-11-22T01:00:30.000Z',
    });
    expect(h.store.state).toEqual({ version: 1, lastTick: '2026-11-22T01:00:30.000Z', pending: [] });
    expect(h.events.events).toEqual([]);
  });

  it('run twice for one tick: one execution (the second finds an empty window)', async () => {
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }]), { state: stateAt('2026-11-22T00:55:00Z') });
    await h.tick('2026-11-22T01:02:00Z');
    const again = await h.tick('2026-11-22T01:02:00Z');
    expect(again.started).toEqual([]);
    expect(h.sfn.startCalls).toEqual([{ name: 'ar11-lab-20261122T0100Z', outcome: 'started' }]);
  });

  it('a tick repeated because its state write was lost starts nothing twice and reports no overlap', async () => {
    const config = configWith([{ id: 'ar11-lab', schedule: NIGHTLY }, { id: 'edge', schedule: HOURLY }]);
    const h = harness(config, { state: stateAt('2026-11-22T00:55:00Z') });
    // The first tick's executions, but not its state (as if the S3 write had failed).
    const lostWrite = harness(config, { state: stateAt('2026-11-22T00:55:00Z'), sfn: h.sfn });
    await lostWrite.tick('2026-11-22T01:02:00Z');
    h.sfn.finish('edge-20261122T0100Z'); // one finished meanwhile, one still runs
    const repeat = await h.tick('2026-11-22T01:03:00Z');
    expect(repeat.started).toEqual([]);
    expect(repeat.alreadyStarted.sort()).toEqual(['ar11-lab-20261122T0100Z', 'edge-20261122T0100Z']);
    expect(h.sfn.startCalls.filter((c) => c.outcome === 'started')).toHaveLength(2);
    expect(h.events.events).toEqual([]);
  });

  it('a repeated tick that does not see the running execution yet (ListExecutions lags) still starts nothing twice', async () => {
    const config = configWith([{ id: 'ar11-lab', schedule: NIGHTLY }]);
    const sfn = new LocalStepFunctions({ listLag: 5 });
    const h = harness(config, { state: stateAt('2026-11-22T00:55:00Z'), sfn });
    const lostWrite = harness(config, { state: stateAt('2026-11-22T00:55:00Z'), sfn });
    expect((await lostWrite.tick('2026-11-22T01:02:00Z')).started).toEqual(['ar11-lab-20261122T0100Z']);
    // The execution runs, but the next tick's ListExecutions does not show it: it plans the start again.
    const repeat = await h.tick('2026-11-22T01:03:00Z');
    expect(repeat.started).toEqual([]);
    expect(repeat.alreadyStarted).toEqual(['ar11-lab-20261122T0100Z']);
    // Another tick's input differs (dispatchedAt), so Step Functions refuses rather than answering idempotently.
    expect(sfn.startCalls).toEqual([
      { name: 'ar11-lab-20261122T0100Z', outcome: 'started' },
      { name: 'ar11-lab-20261122T0100Z', outcome: 'already-exists' },
    ]);
    expect(sfn.executions.size).toBe(1);
  });

  it('after a missed tick (outage shorter than maxLateness) only the latest missed occurrence runs', async () => {
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }, { id: 'edge', schedule: HOURLY }]), { state: stateAt('2026-11-22T00:55:00Z') });
    const outcome = await h.tick('2026-11-22T05:02:00Z');
    // edge missed 01:00..05:00: only 05:00 runs; ar11-lab's 01:00 is 4 h late, within 6 h.
    expect(outcome.started.sort()).toEqual(['ar11-lab-20261122T0100Z', 'edge-20261122T0500Z']);
    expect(h.sfn.startCalls).toHaveLength(2);
    expect(outcome.skipped).toEqual([]);
  });

  it('after an outage longer than maxLateness nothing runs, and the occurrence is reported too late', async () => {
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }], { maxLatenessMinutes: 360 }), { state: stateAt('2026-11-21T20:00:00Z') });
    const outcome = await h.tick('2026-11-22T08:30:00Z');
    expect(outcome.started).toEqual([]);
    expect(h.sfn.startCalls).toEqual([]);
    expect(h.events.events).toEqual([
      {
        deviceId: 'ar11-lab',
        occurrence: '2026-11-22T01:00:00Z',
        reason: 'too-late',
        executionName: 'ar11-lab-20261122T0100Z',
        message: expect.stringMatching(/^ar11-lab: occurrence 2026-11-22T01:00:00Z not started: .*450 min ago, more than maxLatenessMinutes=360/),
      },
    ]);
    expect(h.log.lines.find((l) => l.message === 'backup skipped')?.extra).toMatchObject({ deviceId: 'ar11-lab', reason: 'too-late' });
    expect(h.store.state?.lastTick).toBe('2026-11-22T08:30:00.000Z');
  });

  it('skips and reports an occurrence whose device is still running a backup (overlap), never runs two at once', async () => {
    const sfn = new LocalStepFunctions();
    sfn.startManually('ar11-lab-20261121T0100Z', { deviceId: 'ar11-lab', occurrence: '2026-11-21T01:00:00Z', trigger: 'schedule' });
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }, { id: 'edge', schedule: HOURLY }]), { state: stateAt('2026-11-22T00:55:00Z'), sfn });
    const outcome = await h.tick('2026-11-22T01:01:00Z');
    expect(outcome.started).toEqual(['edge-20261122T0100Z']);
    expect(h.events.events).toEqual([
      {
        deviceId: 'ar11-lab',
        occurrence: '2026-11-22T01:00:00Z',
        reason: 'running',
        executionName: 'ar11-lab-20261122T0100Z',
        message: 'ar11-lab: occurrence 2026-11-22T01:00:00Z not started: a backup of this device is still running (ar11-lab-20261121T0100Z)',
      },
    ]);
    // Skipped, not queued: once the old run ends, the next tick does not start it late.
    sfn.finish('ar11-lab-20261121T0100Z');
    expect((await h.tick('2026-11-22T01:06:00Z')).started).toEqual([]);
  });

  it('fleet cap: running + started <= maxConcurrentBackups; the rest are deferred with their names and started next tick', async () => {
    const sfn = new LocalStepFunctions();
    sfn.startManually('other-manual-20261122T005000Z', { deviceId: 'other', occurrence: null, trigger: 'manual' });
    const devices = ['dev-a', 'dev-b', 'dev-c'].map((id) => ({ id, schedule: NIGHTLY }));
    const h = harness(configWith([...devices, { id: 'other' }], { maxConcurrentBackups: 2 }), { state: stateAt('2026-11-22T00:55:00Z'), sfn });
    const first = await h.tick('2026-11-22T01:00:10Z');
    expect(first.started).toEqual(['dev-a-20261122T0100Z']);
    expect(h.store.state?.pending).toEqual([
      { deviceId: 'dev-b', occurrence: '2026-11-22T01:00:00Z', executionName: 'dev-b-20261122T0100Z', dueAt: '2026-11-22T01:00:00Z', reason: 'cap', since: '2026-11-22T01:00:10Z' },
      { deviceId: 'dev-c', occurrence: '2026-11-22T01:00:00Z', executionName: 'dev-c-20261122T0100Z', dueAt: '2026-11-22T01:00:00Z', reason: 'cap', since: '2026-11-22T01:00:10Z' },
    ]);
    expect(h.events.events).toEqual([]);

    // Still full: nothing moves, nothing is lost.
    const second = await h.tick('2026-11-22T01:05:00Z');
    expect(second.started).toEqual([]);
    expect(h.store.state?.pending.map((p) => p.executionName)).toEqual(['dev-b-20261122T0100Z', 'dev-c-20261122T0100Z']);

    sfn.finish('other-manual-20261122T005000Z');
    sfn.finish('dev-a-20261122T0100Z');
    const third = await h.tick('2026-11-22T01:10:00Z');
    expect(third.started).toEqual(['dev-b-20261122T0100Z', 'dev-c-20261122T0100Z']);
    expect(sfn.executions.get('dev-c-20261122T0100Z')?.input).toEqual({ deviceId: 'dev-c', occurrence: '2026-11-22T01:00:00Z', trigger: 'schedule', dispatchedAt: '2026-11-22T01:10:00.000Z' });
    expect(h.store.state?.pending).toEqual([]);
    expect(sfn.startCalls.every((c) => c.outcome === 'started')).toBe(true);
  });

  it('StartExecution failing for one device: the others start, it is carried over and started once the next tick, nothing twice', async () => {
    let failures = 1;
    const sfn = new LocalStepFunctions({
      failStart: (name) => (name.startsWith('edge-') && failures-- > 0 ? Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) : undefined),
    });
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }, { id: 'edge', schedule: HOURLY }]), { state: stateAt('2026-11-22T00:55:00Z'), sfn });
    const first = await h.tick('2026-11-22T01:00:30Z');
    expect(first.started).toEqual(['ar11-lab-20261122T0100Z']);
    expect(h.store.state).toEqual({
      version: 1,
      lastTick: '2026-11-22T01:00:30.000Z',
      pending: [
        {
          deviceId: 'edge',
          occurrence: '2026-11-22T01:00:00Z',
          executionName: 'edge-20261122T0100Z',
          dueAt: '2026-11-22T01:00:00Z',
          reason: 'start-failed',
          since: '2026-11-22T01:00:30Z',
          error: 'ThrottlingException: Rate exceeded',
        },
      ],
    });
    const second = await h.tick('2026-11-22T01:05:30Z');
    expect(second.started).toEqual(['edge-20261122T0100Z']);
    expect(sfn.startCalls).toEqual([
      { name: 'ar11-lab-20261122T0100Z', outcome: 'started' },
      { name: 'edge-20261122T0100Z', outcome: 'failed' },
      { name: 'edge-20261122T0100Z', outcome: 'started' },
    ]);
    expect(h.store.state?.pending).toEqual([]);
  });

  it('a carried-over occurrence is superseded by a newer one of the same device, and dropped (reported) when too late', async () => {
    const pending = (deviceId: string, at: string) => ({
      deviceId,
      occurrence: at,
      executionName: `${deviceId}-${at.replace(/[-:]/g, '').slice(0, 13)}Z`,
      dueAt: at,
      reason: 'start-failed' as const,
      since: at,
    });
    const h = harness(configWith([{ id: 'edge', schedule: HOURLY }, { id: 'ar11-lab', schedule: NIGHTLY }], { maxLatenessMinutes: 60 }), {
      state: stateAt('2026-11-22T01:55:00Z', [pending('edge', '2026-11-22T01:00:00Z'), pending('ar11-lab', '2026-11-22T00:30:00Z')]),
    });
    const outcome = await h.tick('2026-11-22T02:00:30Z');
    expect(outcome.started).toEqual(['edge-20261122T0200Z']);
    expect(h.events.events.map((e) => [e.deviceId, e.reason, e.occurrence])).toEqual([
      ['ar11-lab', 'too-late', '2026-11-22T00:30:00Z'],
      ['edge', 'superseded', '2026-11-22T01:00:00Z'],
    ]);
    expect(h.store.state?.pending).toEqual([]);
  });

  it('plans again from the other tick\'s state when another tick saved first', async () => {
    const config = configWith([{ id: 'edge', schedule: HOURLY }]);
    const h = harness(config, { state: stateAt('2026-11-22T00:55:00Z') });
    const realLoad = h.store.load.bind(h.store);
    let raced = false;
    h.store.load = async () => {
      const loaded = await realLoad();
      if (!raced) {
        raced = true;
        // Another tick writes between this tick's read and write.
        await h.store.save(stateAt('2026-11-22T00:58:00Z'), loaded.token);
      }
      return loaded;
    };
    const outcome = await h.tick('2026-11-22T01:00:30Z');
    // The second round sees the first round's execution running under the same name: no second start.
    expect(outcome.started).toEqual([]);
    expect(outcome.alreadyStarted).toEqual(['edge-20261122T0100Z']);
    expect(h.sfn.startCalls).toEqual([{ name: 'edge-20261122T0100Z', outcome: 'started' }]);
    expect(h.log.lines.some((l) => l.message.startsWith('another tick saved the dispatcher state first'))).toBe(true);
    expect(h.store.state?.lastTick).toBe('2026-11-22T01:00:30.000Z');
  });

  it('treats an unreadable state as a first tick (window = maxLateness) and says so', async () => {
    const h = harness(configWith([{ id: 'edge', schedule: HOURLY }]));
    h.store.overwrite('{"version": 7}');
    const outcome = await h.tick('2026-11-22T01:00:30Z');
    expect(outcome.windowStart).toBe('2026-11-21T19:00:30.000Z');
    expect(outcome.started).toEqual(['edge-20261122T0100Z']);
    expect(h.log.lines.find((l) => l.level === 'warn')?.message).toMatch(/dispatcher state unreadable/);
  });

  it('jitter delays when an occurrence becomes due, never its name', async () => {
    const h = harness(configWith([{ id: 'ar11-lab', schedule: NIGHTLY }], { jitterMinutes: 30 }), { state: stateAt('2026-11-22T00:55:00Z') });
    const offset = jitterOffsetSeconds('ar11-lab', 30);
    expect(offset).toBeGreaterThan(60); // this id's offset: far enough from 0 for the check below to mean something
    const startedAt: string[] = [];
    for (let minute = 0; minute <= 35; minute++) {
      const now = new Date(Date.parse('2026-11-22T01:00:30Z') + minute * 60_000);
      if ((await h.tick(now.toISOString())).started.includes('ar11-lab-20261122T0100Z')) startedAt.push(now.toISOString());
    }
    // Exactly once, in the first tick at or after occurrence + offset.
    const dueAt = Date.parse('2026-11-22T01:00:00Z') + offset * 1000;
    expect(startedAt).toHaveLength(1);
    expect(Date.parse(startedAt[0]!)).toBeGreaterThanOrEqual(dueAt);
    expect(Date.parse(startedAt[0]!) - dueAt).toBeLessThan(60_000);
  });
});

describe('the Step Functions stand-in answers StartExecution as AWS does (Standard workflows)', () => {
  const input = { deviceId: 'ar11-lab', occurrence: '2026-11-22T01:00:00Z', trigger: 'schedule' as const };
  const start = (sfn: LocalStepFunctions, name: string, body: object) =>
    sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_BACKUP_STATE_MACHINE_ARN, name, input: JSON.stringify(body) }));

  it('same name and same input while it runs: the existing execution, no error', async () => {
    const sfn = new LocalStepFunctions();
    const first = await start(sfn, 'ar11-lab-20261122T0100Z', input);
    const again = await start(sfn, 'ar11-lab-20261122T0100Z', input);
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(sfn.executions.size).toBe(1);
    // The adapter reads that success as a start: the reason each tick sends its own input.
    expect(await sfn.backupExecutions().start('ar11-lab-20261122T0100Z', input)).toBe('started');
  });

  it('another input, or a closed execution of that name: ExecutionAlreadyExists, which the adapter reads as already started', async () => {
    const sfn = new LocalStepFunctions();
    await start(sfn, 'ar11-lab-20261122T0100Z', input);
    await expect(start(sfn, 'ar11-lab-20261122T0100Z', { ...input, dispatchedAt: 'later' })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    sfn.finish('ar11-lab-20261122T0100Z');
    await expect(start(sfn, 'ar11-lab-20261122T0100Z', input)).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(await sfn.backupExecutions().start('ar11-lab-20261122T0100Z', input)).toBe('already-started');
    expect(sfn.startCalls.map((c) => c.outcome)).toEqual(['started', 'already-exists', 'already-exists', 'already-exists']);
  });
});

describe('Backup Skipped events and the state key', () => {
  it('are PutEvents entries on the default bus with source backup-runner', () => {
    const detail: BackupSkippedDetail = { deviceId: 'ar11-lab', occurrence: '2026-11-22T01:00:00Z', reason: 'running', message: 'm' };
    expect(putEventsEntry(detail, 'default')).toEqual({
      Source: 'backup-runner',
      DetailType: 'Backup Skipped',
      Detail: JSON.stringify(detail),
      EventBusName: 'default',
    });
  });

  it('keeps the state where no archive key can be, with or without a prefix', () => {
    expect(DISPATCHER_STATE_KEY).toBe('_backup-runner/dispatcher-state.json');
    expect(parseArchiveKey(DISPATCHER_STATE_KEY, '')).toBeUndefined();
    expect(DISPATCHER_STATE_KEY.startsWith('backups/')).toBe(false);
  });
});
