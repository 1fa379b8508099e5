import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { listCatalog } from '../../archive/catalog';
import { ArchiveError, describeS3Error } from '../../archive/errors';
import { parseArchiveKey } from '../../archive/keys';
import { ConfigError, withDevice } from '../../common/errors';
import { findDevice } from '../../config/load';
import { deviceIdSchema } from '../../config/schema';
import { factsFromManifest, typeProblems } from '../../restore/compatibility';
import { BackupNotFound, RestoreRefused } from '../../restore/errors';
import { describeSelector, selectBackup, type BackupSelector } from '../../restore/selector';
import type { ChooseBackupEvent, RestoreState, ThawState } from '../../restore/state';
import { isColdStorageClass, parseRestoreHeader, thawDecision, thawWaitSeconds } from '../../restore/thaw';
import type { StepDeps } from '../deps';

/**
 * First restore step, archive only: pick the committed backup the selector names, refuse a target
 * of another device type (no device is contacted for that), and find out whether the object must
 * be thawed first.
 */
export async function chooseBackup(event: ChooseBackupEvent, deps: StepDeps): Promise<RestoreState> {
  const input = event.input;
  const deviceId = checkedInput(input);
  const targetId = input.targetDeviceId ?? deviceId;
  const target = findDevice(deps.config, targetId);
  const selector = input.selector as BackupSelector;
  try {
    // A key names its device's folder; the device whose archive is searched is the key's.
    const archiveDevice = 'key' in selector ? (parseArchiveKey(selector.key.replace(/\.manifest\.json$/, ''), deps.config.archive.prefix)?.deviceId ?? deviceId) : deviceId;
    const catalog = await listCatalog(deps.archive.s3, deps.archive.bucket, { prefix: deps.config.archive.prefix, deviceId: archiveDevice });
    const picked = selectBackup(catalog.backups, selector);
    if ('problem' in picked) throw new BackupNotFound(`cannot restore ${describeSelector(selector)} of ${archiveDevice}: ${picked.problem}`, { deviceId: targetId });
    const chosen = picked.backup;
    const facts = factsFromManifest(chosen.manifest);
    const refused = typeProblems({ deviceId: chosen.deviceId, deviceType: facts.deviceType }, target);
    if (refused.length) throw new RestoreRefused(`restore of ${chosen.key} refused: ${refused.join('; ')}`, { deviceId: targetId });

    const restoreHeader = isColdStorageClass(chosen.storageClass) ? await readRestoreHeader(deps, chosen.key, chosen.manifest.object.versionId, targetId) : undefined;
    const decision = thawDecision(chosen.storageClass, restoreHeader, deps.config.archive.restore);
    const thaw: ThawState = {
      status: decision.action === 'none' ? 'not-needed' : decision.action === 'ready' ? 'ready' : decision.action === 'wait' ? 'in-progress' : 'needed',
      reason: decision.reason,
      checks: 0,
      waitSeconds: thawWaitSeconds(0, deps.config.archive.restore.tier),
      ...(decision.action === 'request' ? { tier: decision.tier, days: decision.days } : {}),
      ...(decision.action === 'ready' && decision.expiry ? { expiry: decision.expiry } : {}),
    };
    deps.log.info('backup chosen for restore', { deviceId: targetId, key: chosen.key, storageClass: chosen.storageClass, thaw: thaw.status });
    return {
      deviceId: chosen.deviceId,
      targetDeviceId: target.id,
      targetType: target.type,
      executionName: event.executionName,
      requestedAt: event.executionStartTime,
      force: input.force === true,
      dryRun: input.dryRun === true,
      selected: describeSelector(selector),
      backup: {
        deviceId: chosen.deviceId,
        key: chosen.key,
        manifestKey: chosen.manifestKey,
        ...(chosen.manifest.object.versionId ? { versionId: chosen.manifest.object.versionId } : {}),
        time: chosen.time.toISOString(),
        size: chosen.size,
        sha256: chosen.sha256,
        storageClass: chosen.storageClass,
        facts,
      },
      checks: [`device type ${facts.deviceType} matches ${target.id}`],
      thaw,
      status: 'planned',
    };
  } catch (error) {
    throw withDevice(error, targetId);
  }
}

function checkedInput(input: ChooseBackupEvent['input'] | undefined): string {
  const deviceId = input?.deviceId;
  if (typeof deviceId !== 'string' || !deviceIdSchema.safeParse(deviceId).success) {
    throw new ConfigError('the restore input needs a "deviceId" (e.g. {"deviceId": "ar11-lab", "selector": {"latest": true}})');
  }
  const selector = input?.selector as Record<string, unknown> | undefined;
  const valid =
    selector !== null &&
    typeof selector === 'object' &&
    Object.keys(selector).length === 1 &&
    (selector.latest === true || (typeof selector.key === 'string' && selector.key !== '') || (typeof selector.before === 'string' && !Number.isNaN(Date.parse(selector.before))));
  if (!valid) throw new ConfigError('the restore input needs a "selector": {"latest": true}, {"key": "<object key>"} or {"before": "<ISO-8601 instant>"}');
  return deviceId;
}

/** HeadObject's Restore field: whether a thaw is under way or a thawed copy exists. */
export async function readRestoreHeader(deps: StepDeps, key: string, versionId: string | undefined, deviceId: string) {
  try {
    const head = await deps.archive.s3.send(new HeadObjectCommand({ Bucket: deps.archive.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    return parseRestoreHeader(head.Restore);
  } catch (error) {
    throw new ArchiveError(`cannot read s3://${deps.archive.bucket}/${key} (HeadObject): ${describeS3Error(error)}`, { deviceId, cause: error });
  }
}
