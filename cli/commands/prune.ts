import { applyPrunePlan, planDevicePrune } from '../../lambdas/archive/prune';
import { describePolicy, formatInstant, type PlanEntry, type RetentionPlan } from '../../lambdas/archive/retention';
import { effectiveRetention } from '../../lambdas/archive/retention-policy';
import { stderrLog } from '../../lambdas/common/log';
import { loadConfigFile } from '../../lambdas/config/load';
import { openArchiveTarget } from '../local/archive-target';
import { formatBytes, formatTable } from '../output/table';
import { configuredDevices } from './archive-scope';
import type { Presentation } from '../conventions/command-options';
import { writeJsonLines, type OutputFlags } from '../conventions/output';

export interface PruneCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device?: string;
  dryRun?: boolean;
}

/**
 * `backup-runner prune`: applies each device's retention policy to the archive, with the same
 * planner as the workflow's PruneArchive step. `--dry-run` prints the plan (what goes and why,
 * what stays and why) and deletes nothing. A manual prune is not tied to a run, so it prunes as
 * after a successful one.
 */
export async function pruneCommand(
  options: PruneCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  now: () => Date = () => new Date(),
): Promise<number> {
  const config = loadConfigFile(options.config);
  const devices = configuredDevices(config, options.device);
  const log = stderrLog(options.verbose ? 'debug' : options.quiet ? 'error' : 'warn', err);
  const archive = await openArchiveTarget(config.archive);
  try {
    for (const device of devices) {
      const plan = await planDevicePrune(archive, config, device, { now: now(), runSucceeded: true });
      const policy = describePolicy(effectiveRetention(config, device));
      const deleted = !options.dryRun && plan.delete.length ? (await applyPrunePlan(archive, plan, log)).deletedKeys : [];
      if (options.json) {
        writeJsonLines(out, [planJson(plan, policy, options.dryRun ?? false, deleted)]);
        continue;
      }
      out.write(`${planHeading(plan, policy, options.dryRun ?? false)}\n`);
      if (plan.keep.length + plan.delete.length) out.write(`${planTable(plan)}\n`);
      if (!options.dryRun && plan.delete.length) out.write(`${device.id}: deleted ${deleted.length} key(s) (objects and their manifests)\n`);
      out.write('\n');
    }
    return 0;
  } finally {
    await archive.close();
  }
}

/** The `--json` contract: one object per device, the plan with its reasons and what was deleted. */
export function planJson(plan: RetentionPlan, policy: string, dryRun: boolean, deletedKeys: readonly string[]): Record<string, unknown> {
  const entry = (e: PlanEntry) => ({
    key: e.key,
    time: (e.kind === 'backup' ? e.time : e.lastModified).toISOString(),
    size: e.size ?? null,
    committed: e.kind === 'backup',
    reasons: e.reasons,
  });
  return { device: plan.deviceId, status: dryRun ? 'PLANNED' : 'PRUNED', dryRun, policy, keep: plan.keep.map(entry), delete: plan.delete.map(entry), deletedKeys };
}

export function planHeading(plan: RetentionPlan, policy: string, dryRun: boolean): string {
  const verb = dryRun ? 'would delete' : 'delete';
  return `${plan.deviceId} (${policy}): keep ${plan.keep.length}, ${verb} ${plan.delete.length}${dryRun ? ' (dry run: nothing deleted)' : ''}`;
}

/** One row per entry, deletions first: ACTION, TIME, SIZE, KEY, WHY. */
export function planTable(plan: RetentionPlan): string {
  const row = (action: string, e: PlanEntry) => [
    action,
    formatInstant(e.kind === 'backup' ? e.time : e.lastModified),
    formatBytes(e.size),
    e.kind === 'backup' ? e.key : `${e.key} (no manifest)`,
    e.reasons.join('; '),
  ];
  return formatTable(['ACTION', 'TIME', 'SIZE', 'KEY', 'WHY'], [...plan.delete.map((e) => row('DELETE', e)), ...plan.keep.map((e) => row('KEEP', e))]);
}
