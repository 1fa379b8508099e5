/**
 * Timings of the local state machine (aws-local-stepfunctions overrides, in ms) that keep a test's
 * run short: WaitForDevice of `waitForDeviceMs` and 20 ms between retries of the backup steps
 * (and of `moreRetries`, e.g. PruneArchive).
 */
export function fastRunOverrides(waitForDeviceMs: number, moreRetries: Record<string, number> = {}) {
  return {
    waitTimeOverrides: { WaitForDevice: waitForDeviceMs },
    retryIntervalOverrides: { StartBackup: 20, PollBackup: 20, TransferToArchive: 20, DeleteDeviceCopy: 20, ...moreRetries },
  };
}
