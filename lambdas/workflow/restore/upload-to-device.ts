import { GetObjectCommand } from '@aws-sdk/client-s3';
import { pipeline, type Readable } from 'node:stream';
import { isS3ErrorNamed } from '../../archive/catalog';
import { ArchiveError, describeS3Error } from '../../archive/errors';
import { IntegrityError, withDevice } from '../../common/errors';
import { ALREADY_ON_DEVICE } from '../../drivers/driver';
import type { RestoreState } from '../../restore/state';
import { VerifyingStream } from '../../restore/verifying-stream';
import type { StepDeps } from '../deps';
import { withDriver } from '../deps';
import { checkedHandle } from '../device-answers';

/**
 * Streams the archived object from S3 to the target device's RestoreDriver.uploadBackup, through
 * a SHA-256 check against the manifest: nothing is buffered whole, and a wrong object never
 * reaches the device whole (see VerifyingStream). Each `open` (a driver may re-send after a
 * fresh login) is a new GetObject with a new check.
 */
export async function uploadToDevice(state: RestoreState, deps: StepDeps): Promise<RestoreState> {
  const { key, versionId, size, sha256 } = state.backup;
  const where = `s3://${deps.archive.bucket}/${key}`;
  return withDriver(deps, state.targetDeviceId, async (driver, device) => {
    const restore = driver.restore;
    if (!restore) throw new ArchiveError(`the ${device.type} driver cannot restore archived backups`);
    let verifier: VerifyingStream | undefined;
    const opened: Readable[] = [];
    const open = async (): Promise<Readable> => {
      let body: Readable;
      try {
        const object = await deps.archive.s3.send(new GetObjectCommand({ Bucket: deps.archive.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        body = object.Body as Readable;
      } catch (error) {
        const cold = isS3ErrorNamed(error, 'InvalidObjectState') ? ' (the object is in a cold storage class and not thawed: run the restore again to thaw it first)' : '';
        throw new ArchiveError(`cannot read ${where}${cold}: ${describeS3Error(error)}`, { cause: error });
      }
      const check = new VerifyingStream({ size, sha256, deviceId: device.id, what: where });
      verifier = check;
      opened.push(body, check);
      pipeline(body, check, () => undefined); // errors arrive through `check`, which the driver reads
      return check;
    };
    const started = deps.now();
    let handle;
    try {
      handle = checkedHandle(await restore.uploadBackup({ open, size, backup: state.backup.facts }), device.id);
    } catch (error) {
      // A mismatch aborts the upload; say that, not how the aborted request failed.
      throw verifier?.problem ?? error;
    } finally {
      for (const stream of opened) if (!stream.destroyed) stream.destroy();
    }
    const notNeeded = handle[ALREADY_ON_DEVICE] === true && opened.length === 0;
    if (notNeeded) {
      deps.log.info('the device already holds the archived bytes (checked against the manifest SHA-256); nothing uploaded', { deviceId: device.id, key, sha256 });
    } else if (!verifier?.verified) {
      // The driver stopped reading early, so the device holds less than the backup: take it away again.
      await restore.removeUploaded(handle).catch(() => undefined);
      throw withDevice(verifier?.problem ?? new IntegrityError(`the upload of ${where} ended before all ${size} bytes were read and verified`), device.id);
    }
    const finished = deps.now();
    if (!notNeeded) deps.log.info('backup uploaded to the device', { deviceId: device.id, key, size, sha256, seconds: (finished.getTime() - started.getTime()) / 1000 });
    return {
      ...state,
      status: 'uploaded',
      device: { handle, uploadedAt: finished.toISOString(), uploadMs: finished.getTime() - started.getTime() },
    };
  });
}
