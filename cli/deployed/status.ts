import { ListExecutionsCommand, type ExecutionListItem, type SFNClient } from '@aws-sdk/client-sfn';
import { listCatalog } from '../../lambdas/archive/catalog';
import { formatInstant } from '../../lambdas/archive/retention';
import { loadConfigFile } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { nextOccurrences, parseSchedule } from '../../lambdas/schedule';
import { staleThresholdHours } from '../../lambdas/monitoring/schedule-interval';
import { formatTable } from '../output/table';
import type { CommandIo } from './backup-now';
import { describeDeployedStack, stackClients, type StackOptions } from './stack-target';

export interface StatusOptions extends StackOptions {
  config: string;
  device?: string;
  json?: boolean;
  quiet?: boolean;
  /** How many of the newest executions are read to find each device's last run. @default 1000 */
  maxExecutions?: number;
}

export interface DeviceStatus {
  device: string;
  lastRun: { name: string; status: string; startedAt: string; stoppedAt: string | null } | null;
  newestBackup: { time: string; key: string; ageHours: number } | null;
  /** 1.5x the schedule's longest interval, hours; null for unscheduled devices. */
  staleAfterHours: number | null;
  stale: boolean;
  nextOccurrence: string | null;
}

/** The device of an execution name: the longest configured id that prefixes `<id>-`. */
export function deviceOfExecution(name: string, deviceIds: readonly string[]): string | undefined {
  return [...deviceIds].sort((a, b) => b.length - a.length).find((id) => name.startsWith(`${id}-`));
}

/** Per device, pure: the newest execution, the newest committed backup, staleness, the next occurrence. */
export function deviceStatuses(
  config: RunnerConfig,
  executions: readonly ExecutionListItem[],
  newest: ReadonlyMap<string, { time: Date; key: string }>,
  now: Date,
): DeviceStatus[] {
  const ids = config.devices.map((d) => d.id);
  const last = new Map<string, ExecutionListItem>();
  for (const e of executions) {
    const device = e.name ? deviceOfExecution(e.name, ids) : undefined;
    if (!device) continue;
    const seen = last.get(device);
    if (!seen || (e.startDate?.getTime() ?? 0) > (seen.startDate?.getTime() ?? 0)) last.set(device, e);
  }
  const thresholds = staleThresholdHours(config.devices, now);
  return config.devices.map((device) => {
    const run = last.get(device.id);
    const backup = newest.get(device.id);
    const ageHours = backup ? Math.round(((now.getTime() - backup.time.getTime()) / 3_600_000) * 10) / 10 : null;
    const staleAfterHours = thresholds.get(device.id) ?? null;
    const next = device.schedule ? nextOccurrences(parseSchedule(device.schedule.rrule, device.schedule.timezone), now, 1)[0] : undefined;
    return {
      device: device.id,
      lastRun: run
        ? { name: run.name ?? '', status: run.status ?? 'UNKNOWN', startedAt: run.startDate?.toISOString() ?? '', stoppedAt: run.stopDate?.toISOString() ?? null }
        : null,
      newestBackup: backup && ageHours !== null ? { time: backup.time.toISOString(), key: backup.key, ageHours } : null,
      staleAfterHours,
      stale: staleAfterHours !== null && (ageHours === null ? false : ageHours > staleAfterHours),
      nextOccurrence: next ? next.toISOString() : null,
    };
  });
}

async function listExecutions(sfn: SFNClient, stateMachineArn: string, max: number): Promise<ExecutionListItem[]> {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: Math.min(1000, max - items.length), nextToken }));
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < max);
  return items;
}

/**
 * `backup-runner status --config F`: per device of the config, the last execution of the deployed
 * backup state machine and its result, the age of the newest committed backup (the archive
 * catalog: only backups with a manifest count), whether that is stale, and the next occurrence.
 * Exit 1 when any device's last run failed or it is stale.
 */
export async function statusCommand(options: StatusOptions, io: CommandIo): Promise<number> {
  const config = loadConfigFile(options.config);
  const clients = io.clients ?? stackClients(options);
  const stack = await describeDeployedStack(clients.cloudFormation, options.stack);
  const now = (io.now ?? (() => new Date()))();
  const [executions, catalog] = await Promise.all([
    listExecutions(clients.sfn, stack.backupStateMachineArn, options.maxExecutions ?? 1000),
    listCatalog(clients.s3, stack.bucket, { prefix: stack.prefix, deviceId: options.device }),
  ]);
  const newest = new Map<string, { time: Date; key: string }>();
  for (const b of catalog.backups) if (!newest.has(b.deviceId)) newest.set(b.deviceId, { time: b.time, key: b.key }); // newest first
  const statuses = deviceStatuses(config, executions, newest, now).filter((s) => !options.device || s.device === options.device);
  if (options.json) {
    io.out.write(statuses.map((s) => `${JSON.stringify({ status: deviceVerdict(s), ...s })}\n`).join(''));
  } else {
    io.out.write(
      `${formatTable(
        ['DEVICE', 'LAST RUN', 'RESULT', 'NEWEST BACKUP', 'AGE', 'NEXT'],
        statuses.map((s) => [
          s.device,
          s.lastRun ? formatInstant(new Date(s.lastRun.startedAt)) : 'never',
          s.lastRun?.status ?? '',
          s.newestBackup ? formatInstant(new Date(s.newestBackup.time)) : 'none',
          s.newestBackup ? `${s.newestBackup.ageHours} h${s.stale ? ` STALE (> ${s.staleAfterHours} h)` : ''}` : '',
          s.nextOccurrence ? formatInstant(new Date(s.nextOccurrence)) : 'manual only',
        ]),
      )}\n`,
    );
  }
  return statuses.some((s) => deviceVerdict(s) !== 'OK') ? 1 : 0;
}

/** One word per device in the shared status vocabulary: its last run failed, its newest backup is stale, or it is fine. */
export function deviceVerdict(s: DeviceStatus): 'OK' | 'FAILED' | 'STALE' {
  if (s.lastRun && !['SUCCEEDED', 'RUNNING'].includes(s.lastRun.status)) return 'FAILED';
  return s.stale ? 'STALE' : 'OK';
}
