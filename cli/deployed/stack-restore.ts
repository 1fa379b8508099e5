import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ConfigError } from '../../lambdas/common/errors';
import { deviceIdSchema } from '../../lambdas/config/schema';
import { readableCause } from '../../lambdas/monitoring/execution-outcome';
import { parseSelector } from '../../lambdas/restore/selector';
import type { RestoreExecutionInput } from '../../lambdas/restore/state';
import { restoreExecutionName } from '../../lambdas/schedule/execution-names';
import type { CommandIo } from './backup-now';
import { progressLine, waitForExecution } from './execution-progress';
import { progressWriter } from './progress-writer';
import { describeDeployedStack, executionArn, stackClients, type StackOptions } from './stack-target';

export interface StackRestoreOptions extends StackOptions {
  device: string;
  target?: string;
  latest?: boolean;
  key?: string;
  before?: string;
  confirm?: string;
  force?: boolean;
  wait?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Exit code when the restore was not confirmed (as the local `restore`). */
export const NOT_CONFIRMED_EXIT = 3;

/**
 * `backup-runner stack restore`: starts the deployed restore state machine. Without `--confirm`
 * naming the target device it starts a dry run (choose + check, nothing changed) and exits 3 after
 * it, as the local `restore` does. Thaws from Glacier run in the cloud: without --wait the command
 * returns once the execution is started.
 */
export async function stackRestoreCommand(options: StackRestoreOptions, io: CommandIo): Promise<number> {
  for (const id of [options.device, options.target].filter((v): v is string => v !== undefined)) {
    if (!deviceIdSchema.safeParse(id).success) throw new ConfigError(`"${id}" is not a device id: 1-40 characters of a-z, 0-9 and "-"`);
  }
  const selector = parseSelector(options);
  if ('problem' in selector) throw new ConfigError(selector.problem);
  const target = options.target ?? options.device;
  const confirmed = options.confirm === target;
  const input: RestoreExecutionInput = { deviceId: options.device, ...(options.target ? { targetDeviceId: options.target } : {}), selector, force: options.force === true, dryRun: !confirmed };
  const clients = io.clients ?? stackClients(options);
  const stack = await describeDeployedStack(clients.cloudFormation, options.stack);
  const now = io.now ?? (() => new Date());
  const name = restoreExecutionName(target, now(), !confirmed);
  const arn = executionArn(stack.restoreStateMachineArn, name);
  await clients.sfn.send(new StartExecutionCommand({ stateMachineArn: stack.restoreStateMachineArn, name, input: JSON.stringify(input) }));
  // A dry run is quick (no thaw, no device change): always waited for, so the plan is shown.
  const wait = options.wait || !confirmed;
  if (!wait) {
    io.out.write(options.json ? `${JSON.stringify({ status: 'STARTED', device: options.device, target, executionName: name, executionArn: arn })}\n` : `STARTED restore of ${target}: ${name}\n  ${arn}\n`);
    return 0;
  }
  const progress = options.quiet ? { update() {}, done() {} } : progressWriter(io.err);
  const final = await waitForExecution(clients.sfn, arn, { ...io.wait, onProgress: (s) => progress.update(progressLine(name, s, now())) });
  progress.done();
  const output = parseOutput(final.output);
  const backup = output.backup as { key?: string; time?: string; size?: number } | undefined;
  const report = {
    status: final.status === 'SUCCEEDED' ? (confirmed ? 'RESTORED' : 'PLANNED') : final.status,
    device: options.device,
    target,
    executionName: name,
    key: backup?.key ?? null,
    checks: output.checks ?? [],
    thaw: output.thaw ?? null,
    ...(final.status !== 'SUCCEEDED' ? { error: final.error ?? final.status, message: readableCause(final.cause ?? '') } : {}),
  };
  if (options.json) {
    io.out.write(`${JSON.stringify(report)}\n`);
  } else {
    const lines = [`${report.status} ${target}${backup?.key ? ` from ${backup.key}` : ''}  (execution ${name})`];
    for (const check of report.checks as string[]) lines.push(`  check  ${check}`);
    if (report.error) lines.push(`  ${report.error}: ${report.message}`);
    if (!confirmed && final.status === 'SUCCEEDED') lines.push(`Nothing was changed. To restore, run again with --confirm ${target}.`);
    io.out.write(`${lines.join('\n')}\n`);
  }
  if (final.status !== 'SUCCEEDED') return 1;
  return confirmed ? 0 : NOT_CONFIRMED_EXIT;
}

function parseOutput(text: string | undefined): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text ?? '{}') as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
