import { RestoreObjectCommand } from '@aws-sdk/client-s3';
import { isS3ErrorNamed } from '../../archive/catalog';
import { ArchiveError, describeS3Error } from '../../archive/errors';
import { OperationTimedOut, withDevice } from '../../common/errors';
import type { RestoreState, ThawState } from '../../restore/state';
import { effectiveTier, thawDeadline, thawWaitSeconds, type RestoreTier } from '../../restore/thaw';
import type { StepDeps } from '../deps';
import { readRestoreHeader } from './choose-backup';

/**
 * RequestThaw: asks S3 for a temporary readable copy of a GLACIER / DEEP_ARCHIVE backup with the
 * configured tier, then hands over to the WaitForThaw / CheckThaw loop. A thaw someone else
 * already started is simply waited for.
 */
export async function requestThaw(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  if (state.thaw.status !== 'needed' && state.thaw.status !== 'in-progress') return state;
  const { key, versionId, storageClass } = state.backup;
  const tier = effectiveTier(storageClass, deps.config.archive.restore.tier).tier;
  const days = deps.config.archive.restore.days;
  const now = deps.now();
  if (state.thaw.status === 'needed') {
    try {
      await deps.archive.s3.send(
        new RestoreObjectCommand({
          Bucket: deps.archive.bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
          RestoreRequest: { Days: days, GlacierJobParameters: { Tier: tier } },
        }),
      );
      deps.log.info('thaw requested', { deviceId: state.targetDeviceId, key, storageClass, tier, days });
    } catch (error) {
      // Someone (another restore, an operator) asked first: wait for theirs.
      if (!isS3ErrorNamed(error, 'RestoreAlreadyInProgress')) {
        throw withDevice(new ArchiveError(`cannot thaw s3://${deps.archive.bucket}/${key} (RestoreObject, ${tier}): ${describeS3Error(error)}`, { cause: error }), state.targetDeviceId);
      }
    }
  }
  const thaw: ThawState = {
    ...state.thaw,
    status: 'in-progress',
    tier,
    days,
    requestedAt: now.toISOString(),
    deadline: thawDeadline(now, storageClass, tier).toISOString(),
    checks: 0,
    waitSeconds: thawWaitSeconds(0, tier),
  };
  return { ...state, thaw };
}

/** CheckThaw: one HeadObject after a wait; ready ends the loop, a lost thaw is requested again, the deadline ends the run. */
export async function checkThaw(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  const { key, versionId, storageClass } = state.backup;
  const header = await readRestoreHeader(deps, key, versionId, state.targetDeviceId);
  const checks = state.thaw.checks + 1;
  if (header && !header.ongoing) {
    deps.log.info('thawed copy ready', { deviceId: state.targetDeviceId, key, checks, expiry: header.expiry });
    return { ...state, thaw: { ...state.thaw, status: 'ready', checks, ...(header.expiry ? { expiry: header.expiry } : {}), reason: `thawed after ${checks} check(s)` } };
  }
  if (!header) {
    // No thaw and no copy: the request was lost or its copy already expired. Ask again.
    deps.log.warn('no thaw in progress any more; requesting it again', { deviceId: state.targetDeviceId, key });
    return { ...state, thaw: { ...state.thaw, status: 'needed', checks } };
  }
  const now = deps.now();
  if (state.thaw.deadline && now.getTime() > Date.parse(state.thaw.deadline)) {
    throw withDevice(
      new OperationTimedOut(`the thaw of ${key} (${storageClass}, ${state.thaw.tier} tier) requested at ${state.thaw.requestedAt} is still not done after ${checks} checks; giving up at ${state.thaw.deadline}`),
      state.targetDeviceId,
    );
  }
  return { ...state, thaw: { ...state.thaw, checks, waitSeconds: thawWaitSeconds(checks, (state.thaw.tier ?? 'Standard') as RestoreTier) } };
}
