import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { archiveKey, manifestKeyFor } from '../archive/keys';
import { previousGoodBackup } from '../archive/previous-good';
import type { DeviceConfig } from '../config/schema';
import { checkAgainstPrevious } from '../transfer/size-check';
import { RUNNER_VERSION, writeManifest, type Manifest } from '../archive/manifest';
import { backupObjectTags } from '../archive/object-tags';
import { transferDeadline } from '../transfer/resumable/continuation';
import { transferResumable } from '../transfer/resumable/transfer-resumable';
import type { StepDeps } from './deps';
import { withDriver } from './deps';
import type { RunState } from './run-state';

/** What the invocation knows about its own time: Lambda's context.getRemainingTimeInMillis. */
export interface StepInvocation {
  remainingMs?: () => number;
}

/**
 * Time kept back from the Lambda's remaining time: parts in flight, ListParts and
 * CompleteMultipartUpload of up to 10,000 parts, the manifest, the return.
 */
export const TRANSFER_SAFETY_MARGIN_MS = 90_000;

/**
 * Streams the finished backup from the device into the archive, hashing on the way, then
 * writes the manifest: the commit mark. A transfer that cannot finish within this invocation's
 * time returns with `transfer` (a continuation) and the state machine runs this step again on the
 * same multipart upload. If anything fails before the manifest is written, the multipart upload
 * is aborted and nothing counts as archived.
 */
export async function transferBackup(state: RunState, deps: StepDeps, invocation: StepInvocation = {}): Promise<RunState> {
  const begun = deps.now().getTime();
  const deadlineMs = transferDeadline({
    nowMs: begun,
    ...(invocation.remainingMs ? { remainingMs: invocation.remainingMs() } : {}),
    ...(deps.config.workflow.transferBudgetSeconds !== undefined ? { budgetSeconds: deps.config.workflow.transferBudgetSeconds } : {}),
    marginMs: TRANSFER_SAFETY_MARGIN_MS,
  });
  const handOver = state.transfer;
  const restartOf = handOver && 'restart' in handOver ? handOver : undefined;
  const prior = handOver && !('restart' in handOver) ? handOver : undefined;
  return withDriver(deps, state.deviceId, async (driver, device) => {
    // Range only with a validator (If-Range): without one, a file rewritten in place at the same
    // size would be spliced unnoticed, so such devices re-send and the stored prefix is re-hashed.
    const artifact = await driver.openArtifact(state.handle, prior?.version ? { offset: prior.nextOffset, version: prior.version } : undefined);
    const key =
      handOver?.key ??
      archiveKey({ prefix: deps.config.archive.prefix, deviceId: device.id, time: new Date(state.startedAt), runId: state.runId, extension: artifact.extension });
    deps.log.info(prior ? 'resuming the transfer' : 'transferring backup', {
      deviceId: device.id,
      key,
      expectedSize: artifact.size,
      ...(prior ? { nextOffset: prior.nextOffset, rangeHonoured: (artifact.offset ?? 0) === prior.nextOffset, invocation: prior.invocations + 1 } : {}),
    });
    let result;
    try {
      result = await transferResumable({
        s3: deps.archive.s3,
        bucket: deps.archive.bucket,
        key,
        deviceId: device.id,
        artifact: { ...artifact, contentType: prior?.contentType ?? artifact.contentType },
        ...(prior ? { continuation: prior } : {}),
        ...(restartOf ? { restartOf } : {}),
        // Tagged so the bucket's lifecycle transitions move backups, never their manifests.
        tags: backupObjectTags(),
        ...(deps.archive.checksum ? { checksum: deps.archive.checksum } : {}),
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        now: () => deps.now().getTime(),
        log: deps.log,
      });
    } finally {
      // Whatever happened, release the device connection.
      if (!artifact.body.destroyed) artifact.body.destroy();
    }
    if (result.status === 'continue') return { ...state, transfer: result.continuation };

    const uploaded = result.object;
    await refuseShrunken(deps, device, key, uploaded.size);
    const finished = deps.now();
    const manifestKey = manifestKeyFor(key);
    const manifest: Manifest = {
      schemaVersion: 1,
      device: { id: device.id, type: device.type, ...artifact.device },
      backup: { deviceBackupId: state.handle.backupId, details: artifact.details },
      object: {
        bucket: deps.archive.bucket,
        key,
        size: uploaded.size,
        sha256: uploaded.sha256,
        contentType: prior?.contentType ?? artifact.contentType,
        ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}),
        ...(uploaded.checksum ? { checksum: uploaded.checksum } : {}),
      },
      run: {
        executionName: state.executionName,
        runId: state.runId,
        occurrence: state.occurrence,
        startedAt: state.startedAt,
        finishedAt: finished.toISOString(),
      },
      runner: { version: RUNNER_VERSION },
    };
    await writeManifest(deps.archive.s3, manifest);
    const seconds = Math.max(0.001, (finished.getTime() - begun) / 1000);
    deps.log.info('backup archived', {
      deviceId: device.id,
      key,
      size: uploaded.size,
      sha256: uploaded.sha256,
      invocations: result.invocations,
      bytesRead: result.bytesRead,
      mbPerSecondThisInvocation: Number(((uploaded.size - (prior?.nextOffset ?? 0)) / 1e6 / seconds).toFixed(1)),
    });
    const { transfer: _done, ...rest } = state;
    return {
      ...rest,
      archive: {
        bucket: deps.archive.bucket,
        key,
        manifestKey,
        size: uploaded.size,
        sha256: uploaded.sha256,
        ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}),
      },
    };
  });
}

/**
 * Before the commit: a backup far below the device's previous good one is a failed run
 * (checkAgainstPrevious); its uploaded object is removed again, so nothing but the manifest-less
 * stump could remain, which the catalog never counts and prune removes.
 */
async function refuseShrunken(deps: StepDeps, device: DeviceConfig, key: string, size: number): Promise<void> {
  if (device.minSizeRatio <= 0) return;
  const previous = await previousGoodBackup(deps.archive.s3, deps.archive.bucket, deps.config.archive.prefix, device.id, key);
  const shrunk = checkAgainstPrevious(device.id, size, previous, device.minSizeRatio);
  if (!shrunk) return;
  await deps.archive.s3.send(new DeleteObjectCommand({ Bucket: deps.archive.bucket, Key: key })).catch((error: unknown) => {
    deps.log.warn('could not remove the refused upload; it has no manifest, so it is never counted, and prune removes it', { deviceId: device.id, key, error: String(error) });
  });
  throw shrunk;
}
