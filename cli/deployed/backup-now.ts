import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { readableCause } from '../../lambdas/monitoring/execution-outcome';
import { deviceIdSchema } from '../../lambdas/config/schema';
import { ConfigError } from '../../lambdas/common/errors';
import { sfnBackupExecutions } from '../../lambdas/dispatcher/sfn-executions';
import { manualExecutionName } from '../../lambdas/schedule/execution-names';
import { formatBytes } from '../output/table';
import { shortSha256 } from '../conventions/output';
import { describeDeployedStack, executionArn, stackClients, type StackClients, type StackOptions } from './stack-target';
import { progressLine, waitForExecution, type ExecutionSnapshot, type WaitOptions } from './execution-progress';
import { progressWriter } from './progress-writer';

export interface BackupNowOptions extends StackOptions {
  device: string;
  wait?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export interface CommandIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
  clients?: StackClients;
  now?: () => Date;
  wait?: Pick<WaitOptions, 'intervalMs' | 'sleep'>;
}

/**
 * `backup-runner backup-now --device ID [--wait]`: starts one execution of the deployed backup
 * state machine, named like a local manual run (`<id>-manual-<UTC stamp>`), input
 * `{deviceId, occurrence: null, trigger: "manual"}`. With --wait it follows the execution
 * (state and elapsed time on stderr) and exits 0 only when it succeeded.
 */
export async function backupNowCommand(options: BackupNowOptions, io: CommandIo): Promise<number> {
  if (!deviceIdSchema.safeParse(options.device).success) throw new ConfigError(`--device "${options.device}" is not a device id: 1-40 characters of a-z, 0-9 and "-"`);
  const clients = io.clients ?? stackClients(options);
  const stack = await describeDeployedStack(clients.cloudFormation, options.stack);
  const now = io.now ?? (() => new Date());
  const name = manualExecutionName(options.device, now());
  const arn = executionArn(stack.backupStateMachineArn, name);
  // One run per device: a second backup at once would collide with the first on the device. The
  // same listing the dispatcher skips running devices by (RUNNING executions, the device read from
  // the name or the input), so a manual start and the schedule agree on what "running" means.
  const running = (await sfnBackupExecutions(clients.sfn, stack.backupStateMachineArn).listRunning()).filter((e) => e.deviceId === options.device);
  if (running.length > 0) {
    const names = running.map((e) => e.name).join(', ');
    io.err.write(`backup-runner backup-now: ${options.device} is being backed up now by execution ${names}; not starting a second backup, which would collide with it on the device\n`);
    if (options.json) io.out.write(`${JSON.stringify({ device: options.device, status: 'REFUSED', runningExecution: running[0]!.name })}\n`);
    return 1;
  }
  try {
    await clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: stack.backupStateMachineArn, name, input: JSON.stringify({ deviceId: options.device, occurrence: null, trigger: 'manual' }) }),
    );
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      io.err.write(`backup-runner backup-now: an execution named ${name} already exists (started this second); see it in the console\n`);
      return 1;
    }
    throw error;
  }
  if (!options.wait) {
    io.out.write(options.json ? `${JSON.stringify({ device: options.device, status: 'STARTED', executionName: name, executionArn: arn })}\n` : `STARTED ${name}\n  ${arn}\n`);
    return 0;
  }
  const progress = options.quiet ? { update() {}, done() {} } : progressWriter(io.err);
  const final = await waitForExecution(clients.sfn, arn, { ...io.wait, onProgress: (s) => progress.update(progressLine(name, s, now())) });
  progress.done();
  io.out.write(options.json ? `${JSON.stringify(backupJson(options.device, name, final))}\n` : `${backupSummary(options.device, name, final)}\n`);
  return final.status === 'SUCCEEDED' ? 0 : 1;
}

function archiveOf(s: ExecutionSnapshot): { key?: string; size?: number; sha256?: string } {
  try {
    const output = JSON.parse(s.output ?? '{}') as { archive?: { key?: string; size?: number; sha256?: string } };
    return output.archive ?? {};
  } catch {
    return {};
  }
}

export function backupJson(device: string, name: string, s: ExecutionSnapshot): Record<string, unknown> {
  const archive = archiveOf(s);
  return {
    device,
    status: s.status,
    executionName: name,
    key: archive.key ?? null,
    size: archive.size ?? null,
    sha256: archive.sha256 ?? null,
    ...(s.status !== 'SUCCEEDED' ? { error: s.error ?? s.status, message: readableCause(s.cause ?? '') } : {}),
  };
}

export function backupSummary(device: string, name: string, s: ExecutionSnapshot): string {
  if (s.status !== 'SUCCEEDED') return `${s.status} (${s.error ?? s.status}) ${readableCause(s.cause ?? '') || device}\n  execution ${name}`;
  const archive = archiveOf(s);
  return `SUCCEEDED ${device}: ${archive.key ?? ''} (${formatBytes(archive.size)}, SHA-256 ${shortSha256(archive.sha256)})\n  execution ${name}`;
}
