import { archiveKey, manifestKeyFor } from '../archive/keys';
import { RUNNER_VERSION, writeManifest, type Manifest } from '../archive/manifest';
import { backupObjectTags } from '../archive/object-tags';
import { uploadArchiveObject } from '../transfer/upload-archive-object';
import type { StepDeps } from './deps';
import { withDriver } from './deps';
import type { RunState } from './run-state';

/**
 * Streams the finished backup from the device into the archive, hashing on the way, then
 * writes the manifest: the commit mark. If anything fails before the manifest is written,
 * the multipart upload is aborted and nothing counts as archived.
 */
export async function transferBackup(state: RunState, deps: StepDeps): Promise<RunState> {
  return withDriver(deps, state.deviceId, async (driver, device) => {
    const artifact = await driver.openArtifact(state.handle);
    const key = archiveKey({
      prefix: deps.config.archive.prefix,
      deviceId: device.id,
      time: new Date(state.startedAt),
      runId: state.runId,
      extension: artifact.extension,
    });
    deps.log.info('transferring backup', { deviceId: device.id, key, expectedSize: artifact.size });
    const started = deps.now();
    let uploaded;
    try {
      uploaded = await uploadArchiveObject({
        s3: deps.archive.s3,
        bucket: deps.archive.bucket,
        key,
        body: artifact.body,
        expectedSize: artifact.size,
        contentType: artifact.contentType,
        deviceId: device.id,
        // Tagged so the bucket's lifecycle transitions move backups, never their manifests.
        tags: backupObjectTags(),
        ...(deps.archive.checksum ? { checksum: deps.archive.checksum } : {}),
      });
    } finally {
      // Whatever happened, release the device connection.
      if (!artifact.body.destroyed) artifact.body.destroy();
    }
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
        contentType: artifact.contentType,
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
    const seconds = Math.max(0.001, (finished.getTime() - started.getTime()) / 1000);
    deps.log.info('backup archived', {
      deviceId: device.id,
      key,
      size: uploaded.size,
      sha256: uploaded.sha256,
      mbPerSecond: Number((uploaded.size / 1e6 / seconds).toFixed(1)),
    });
    return {
      ...state,
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
