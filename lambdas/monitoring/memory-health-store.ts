import { MAX_CAUSE_CHARS, type DeviceHealthStore, type FailingDevice } from './device-health';

/** Device health in memory, with the DynamoDB store's rules (tests, local runs). */
export function memoryHealthStore(): DeviceHealthStore & { readonly records: ReadonlyMap<string, { lastStoppedAt: string; failing?: FailingDevice }> } {
  const records = new Map<string, { lastStoppedAt: string; failing?: FailingDevice }>();
  return {
    records,
    async record(outcome, recordedAt) {
      const old = records.get(outcome.deviceId);
      if (old && !(old.lastStoppedAt < outcome.stoppedAt)) return 'stale-outcome';
      if (!outcome.failed) {
        records.set(outcome.deviceId, { lastStoppedAt: outcome.stoppedAt });
        return old?.failing ? 'recovered' : 'still-ok';
      }
      const failing: FailingDevice = old?.failing ?? {
        deviceId: outcome.deviceId,
        since: outcome.stoppedAt,
        recordedAt: recordedAt.toISOString(),
        executionName: outcome.executionName,
        error: outcome.error || 'Error',
        cause: (outcome.cause ?? '').slice(0, MAX_CAUSE_CHARS) || '(no cause given)',
      };
      records.set(outcome.deviceId, { lastStoppedAt: outcome.stoppedAt, failing });
      return old?.failing ? 'still-failing' : 'became-failing';
    },
    async failing() {
      return [...records.values()].flatMap((r) => (r.failing ? [r.failing] : [])).sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
    },
  };
}
