import { findDevice } from '../config/load';
import { withDevice } from '../common/errors';
import { applyPrunePlan, planDevicePrune } from '../archive/prune';
import { describePolicy, hasRetentionRules } from '../archive/retention';
import { effectiveRetention } from '../archive/retention-policy';
import type { StepDeps } from './deps';
import type { RunState } from './run-state';

/** Keys listed in the state at most; Step Functions limits a state to 256 KB. */
const MAX_KEYS_IN_STATE = 50;

/**
 * After a committed backup: apply the device's retention policy to its archive. The state
 * machine catches every error of this step and records it (RecordPruneFailure): the backup is
 * committed whatever happens here, and the next run's prune catches up.
 */
export async function pruneArchive(state: RunState, deps: StepDeps): Promise<RunState> {
  const device = findDevice(deps.config, state.deviceId);
  const policy = effectiveRetention(deps.config, device);
  if (!hasRetentionRules(policy)) {
    // Pruning is opt-in: without a policy there is nothing to list.
    return { ...state, prune: { policy: describePolicy(policy), kept: 0, deleted: 0, deletedKeys: [] } };
  }
  try {
    const archive = deps.archive;
    const plan = await planDevicePrune(archive, deps.config, device, {
      now: deps.now(),
      // Only a committed backup lets the run prune; the state machine only gets here after one.
      runSucceeded: Boolean(state.archive?.manifestKey),
    });
    const outcome = await applyPrunePlan(archive, plan, deps.log);
    deps.log.info('archive pruned', { deviceId: device.id, kept: plan.keep.length, deleted: plan.delete.length, deletedKeys: outcome.deletedKeys.length });
    return {
      ...state,
      prune: {
        policy: describePolicy(policy),
        kept: plan.keep.length,
        deleted: plan.delete.length,
        deletedKeys: plan.delete.map((e) => e.key).slice(0, MAX_KEYS_IN_STATE),
      },
    };
  } catch (error) {
    throw withDevice(error, device.id);
  }
}
