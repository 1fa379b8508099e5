import { DeviceProtocolError } from '../../common/errors';
import type { Log } from '../../common/log';
import { backupsQuery, storwarePaths } from './paths';
import { backupPhase, taskPhase, type EntityProgress } from './progress';
import { parseBackupList, parseBackupRecord, parseTask, warningsText, type StorwareBackup, type StorwareTask } from './responses';
import type { StorwareSession } from './session';

/**
 * The Storware calls the driver, its restore and the fleet audit share, on one session.
 * Reads only; starting tasks is the driver's business.
 */
export class StorwareClient {
  constructor(
    private readonly session: StorwareSession,
    private readonly deviceId: string,
    private readonly log: Log,
  ) {}

  async task(guid: string): Promise<StorwareTask> {
    const path = storwarePaths.task(guid);
    return parseTask(await this.session.json({ method: 'GET', path }), this.deviceId, `the answer of GET ${path}`);
  }

  async backup(guid: string): Promise<StorwareBackup> {
    const path = storwarePaths.backup(guid);
    return parseBackupRecord(await this.session.json({ method: 'GET', path }), this.deviceId, `the answer of GET ${path}`);
  }

  /** The raw record too: the archive keeps exactly what Storware sent. */
  async backupWithRaw(guid: string): Promise<{ backup: StorwareBackup; raw: Record<string, unknown> & { guid: string } }> {
    const path = storwarePaths.backup(guid);
    const raw = await this.session.json({ method: 'GET', path });
    const backup = parseBackupRecord(raw, this.deviceId, `the answer of GET ${path}`);
    return { backup, raw: raw as Record<string, unknown> & { guid: string } };
  }

  /** GET /api/backups filtered as the seed allows (from/to in epoch ms, status repeatable, protected-entity). */
  async listBackups(filter: { protectedEntity?: string; from?: number; to?: number; status?: readonly string[] }): Promise<StorwareBackup[]> {
    const path = backupsQuery({
      'protected-entity': filter.protectedEntity,
      from: filter.from,
      to: filter.to,
      status: filter.status,
    });
    return parseBackupList(await this.session.json({ method: 'GET', path }), this.deviceId, `the answer of GET ${path}`);
  }

  /**
   * The backup an export task made: the task names it when finished; otherwise (inferred: some
   * versions leave `backup` empty) the entity's newest backup since the run started.
   */
  async backupOfTask(task: StorwareTask, entity: string, startedAt: number): Promise<string> {
    if (task.backup?.guid) return task.backup.guid;
    const candidates = (await this.listBackups({ protectedEntity: entity, from: startedAt })).filter(
      (b) => (b.protectedEntity?.guid ?? entity) === entity,
    );
    const newest = candidates.sort((a, b) => (b.backupTime ?? b.snapshotTime ?? 0) - (a.backupTime ?? a.snapshotTime ?? 0))[0];
    if (!newest) {
      throw new DeviceProtocolError(`export task ${task.guid} for entity ${entity} finished, but it names no backup and none exists since the run started`, {
        deviceId: this.deviceId,
      });
    }
    this.log.debug('task names no backup; took the newest since the start', { device: this.deviceId, task: task.guid, backup: newest.guid });
    return newest.guid;
  }

  /** One entity's progress: its task, then (once the task finished) its backup record. */
  async entityProgress(entity: string, taskGuid: string, startedAt: number): Promise<{ progress: EntityProgress; backupGuid?: string }> {
    const task = await this.task(taskGuid);
    const phase = taskPhase(task);
    if (phase.phase === 'unknown') {
      throw new DeviceProtocolError(`export task ${taskGuid} has unknown state "${phase.status}" (expected QUEUED, RUNNING, FINISHED, FAILED or CANCELLED)`, {
        deviceId: this.deviceId,
      });
    }
    if (phase.phase === 'running') return { progress: { state: 'running', detail: phase.detail } };
    if (phase.phase === 'failed') return { progress: { state: 'failed', reason: phase.reason } };
    const backupGuid = await this.backupOfTask(task, entity, startedAt);
    const backup = await this.backup(backupGuid);
    const result = backupPhase(backup, warningsText(backup));
    if (result.phase === 'unknown') {
      throw new DeviceProtocolError(`backup ${backupGuid} has unknown status "${result.status}" (expected QUEUED, INPROGRESS, SUCCESS, PARTIAL_SUCCESS or FAILED)`, {
        deviceId: this.deviceId,
      });
    }
    if (result.phase === 'running') return { progress: { state: 'running', detail: result.detail }, backupGuid };
    if (result.phase === 'failed') return { progress: { state: 'failed', reason: result.reason }, backupGuid };
    return { progress: { state: 'completed' }, backupGuid };
  }
}
