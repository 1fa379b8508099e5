/**
 * The fleet check: which protected entities have no SUCCESS backup newer than N hours. A pure
 * decision over what the backup server listed, so `backup-runner audit` and a scheduled check
 * reach the same verdict from the same facts.
 */

/** One backup as the audit needs it. */
export interface AuditBackupFact {
  guid: string;
  /** Upper-case status name, e.g. SUCCESS. */
  status: string;
  /** The protected entity the server says the backup belongs to, when it says. */
  entity?: string;
  /** Epoch ms: when the backup was taken (backupTime, else snapshotTime). */
  time?: number;
}

export interface EntityVerdict {
  entity: string;
  name?: string;
  /** True when no SUCCESS backup is newer than the cutoff. */
  stale: boolean;
  /** The newest SUCCESS backup seen (any age), or null when the server listed none. */
  lastSuccess: { guid: string; at: string; ageHours: number } | null;
}

export interface AuditReport {
  checkedAt: string;
  maxAgeHours: number;
  /** Backups must be newer than this (ISO-8601 UTC). */
  cutoff: string;
  entities: EntityVerdict[];
  /** The stale entities' guids, in the order they were checked. */
  stale: string[];
}

/** Backups are in time when taken at or after the cutoff; the cutoff is now minus maxAgeHours. */
export function auditCutoff(now: Date, maxAgeHours: number): Date {
  if (!(maxAgeHours > 0) || !Number.isFinite(maxAgeHours)) throw new RangeError(`maxAgeHours must be a positive number of hours, got ${maxAgeHours}`);
  return new Date(now.getTime() - maxAgeHours * 3_600_000);
}

/**
 * The verdict for each entity from what was listed for it. The server's own filters (status,
 * from, protected-entity) are applied again here: a server that ignores a query parameter must
 * not make a stale entity look protected.
 */
export function judgeEntities(input: {
  now: Date;
  maxAgeHours: number;
  entities: ReadonlyArray<{ guid: string; name?: string; backups: readonly AuditBackupFact[] }>;
}): AuditReport {
  const cutoff = auditCutoff(input.now, input.maxAgeHours);
  const verdicts = input.entities.map(({ guid, name, backups }) => {
    const successes = backups
      .filter((b) => b.status === 'SUCCESS' && (b.entity === undefined || b.entity === guid) && typeof b.time === 'number')
      .sort((a, b) => b.time! - a.time!);
    const newest = successes[0];
    const lastSuccess = newest
      ? { guid: newest.guid, at: new Date(newest.time!).toISOString(), ageHours: Math.round(((input.now.getTime() - newest.time!) / 3_600_000) * 10) / 10 }
      : null;
    return { entity: guid, ...(name ? { name } : {}), stale: !newest || newest.time! < cutoff.getTime(), lastSuccess };
  });
  return {
    checkedAt: input.now.toISOString(),
    maxAgeHours: input.maxAgeHours,
    cutoff: cutoff.toISOString(),
    entities: verdicts,
    stale: verdicts.filter((v) => v.stale).map((v) => v.entity),
  };
}
