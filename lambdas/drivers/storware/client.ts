import { DeviceProtocolError } from '../../common/errors';
import type { Log } from '../../common/log';
import { storwarePaths, withQuery } from './paths';
import { backupPhase, taskPhase, type EntityProgress } from './progress';
import { parseBackupList, parseBackupRecord, parseTask, parseTaskList, warningsText, type StorwareBackup, type StorwareTask } from './responses';
import type { StorwareSession } from './session';

/** Items asked for per page of a Storware list. */
export const STORWARE_PAGE_SIZE = 100;

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

  /** GET /api/backups filtered as the seed allows (from/to in epoch ms, status repeatable, protected-entity), every page. */
  async listBackups(filter: { protectedEntity?: string; from?: number; to?: number; status?: readonly string[] }): Promise<StorwareBackup[]> {
    const params = { 'protected-entity': filter.protectedEntity, from: filter.from, to: filter.to, status: filter.status };
    return this.allPages(storwarePaths.backups, params, parseBackupList);
  }

  /** GET /api/tasks, every page. */
  async listTasks(): Promise<StorwareTask[]> {
    return this.allPages(storwarePaths.tasks, {}, parseTaskList);
  }

  /**
   * A Storware list read to its end: lists take `page` (from 0, as Storware's own UI counts) and
   * `size` (seed 004), and a server pages even when asked for none, so a single GET may miss items.
   * A page shorter than asked for is the last. A server that ignores `page` (the same first item
   * again) is a protocol error, not an endless loop.
   */
  private async allPages<T extends { guid: string }>(
    path: string,
    params: Record<string, string | number | readonly string[] | undefined>,
    parse: (value: unknown, deviceId: string, what: string) => T[],
  ): Promise<T[]> {
    const all: T[] = [];
    const firsts = new Set<string>();
    for (let page = 0; ; page += 1) {
      const url = withQuery(path, { ...params, page, size: STORWARE_PAGE_SIZE });
      const items = parse(await this.session.json({ method: 'GET', path: url }), this.deviceId, `the answer of GET ${url}`);
      const first = items[0]?.guid;
      if (first !== undefined && firsts.has(first)) {
        throw new DeviceProtocolError(`GET ${url} answered page ${page} with items of an earlier page: the server does not follow page/size paging`, { deviceId: this.deviceId });
      }
      if (first !== undefined) firsts.add(first);
      all.push(...items);
      if (items.length < STORWARE_PAGE_SIZE) return all;
    }
  }

  /**
   * The backup an export task made: the task names it when finished. Otherwise (inferred: some
   * versions leave `backup` empty) the entity's one backup of this type since the run started,
   * and only when there is exactly one: Storware's own policies back the same entities up, and
   * the newest backup may be a policy's, not ours. Two or more is a failed run, never a guess.
   */
  async backupOfTask(task: StorwareTask, entity: string, startedAt: number, backupType: string): Promise<string> {
    if (task.backup?.guid) return task.backup.guid;
    const candidates = (await this.listBackups({ protectedEntity: entity, from: startedAt })).filter(
      (b) => (b.protectedEntity?.guid ?? entity) === entity && (b.type === undefined || b.type === null || b.type.toUpperCase() === backupType),
    );
    const [only, ...others] = candidates;
    if (!only) {
      throw new DeviceProtocolError(`export task ${task.guid} for entity ${entity} finished, but it names no backup and none exists since the run started`, {
        deviceId: this.deviceId,
      });
    }
    if (others.length) {
      throw new DeviceProtocolError(
        `export task ${task.guid} names no backup, and there are ${candidates.length} backups of entity ${entity} since the run started (${candidates.map((b) => b.guid).join(', ')}), ` +
          'some perhaps made by a Storware policy: the runner cannot tell which one its task made, so it archives none',
        { deviceId: this.deviceId },
      );
    }
    this.log.debug('task names no backup; took the only one of its type since the start', { device: this.deviceId, task: task.guid, backup: only.guid });
    return only.guid;
  }

  /** One entity's progress: its task, then (once the task finished) its backup record. */
  async entityProgress(entity: string, taskGuid: string, startedAt: number, backupType: string): Promise<{ progress: EntityProgress; backupGuid?: string }> {
    const task = await this.task(taskGuid);
    const phase = taskPhase(task);
    if (phase.phase === 'unknown') {
      throw new DeviceProtocolError(`export task ${taskGuid} has unknown state "${phase.status}" (expected QUEUED, RUNNING, FINISHED, FAILED or CANCELLED)`, {
        deviceId: this.deviceId,
      });
    }
    if (phase.phase === 'running') return { progress: { state: 'running', detail: phase.detail } };
    if (phase.phase === 'failed') return { progress: { state: 'failed', reason: phase.reason } };
    const backupGuid = await this.backupOfTask(task, entity, startedAt, backupType);
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
