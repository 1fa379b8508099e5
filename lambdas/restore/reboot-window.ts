import { ERROR_NAMES } from '../common/errors';

/**
 * While a device restores it reboots: connections are refused, it answers 5xx, and tokens die
 * (401 until a fresh login works). These failures are expected for a while; the restore
 * workflow tolerates them for `rebootWindowMinutes` in a row, then gives up.
 */
const REBOOT_SYMPTOMS: readonly string[] = [ERROR_NAMES.unreachable, ERROR_NAMES.busy, ERROR_NAMES.authentication];

export type PollFailureDecision =
  | { action: 'tolerate'; unreachableSince: string; detail: string }
  | { action: 'give-up'; message: string }
  | { action: 'fail' };

/**
 * What a failed restore poll means. `unreachableSince` is when the current run of failures
 * began (absent after a successful poll). Errors that are no reboot symptom fail at once.
 */
export function pollFailureDecision(input: {
  error: { name: string; message: string };
  now: Date;
  unreachableSince: string | undefined;
  rebootWindowMinutes: number;
  deadline: string;
}): PollFailureDecision {
  if (!REBOOT_SYMPTOMS.includes(input.error.name)) return { action: 'fail' };
  const since = input.unreachableSince ?? input.now.toISOString();
  const downMs = input.now.getTime() - Date.parse(since);
  if (downMs > input.rebootWindowMinutes * 60_000) {
    return {
      action: 'give-up',
      message: `the device has not answered properly for ${Math.round(downMs / 60_000)} min since ${since}, longer than restorePoll.rebootWindowMinutes (${input.rebootWindowMinutes}); last error: ${input.error.message}`,
    };
  }
  if (input.now.getTime() > Date.parse(input.deadline)) {
    return { action: 'give-up', message: `the restore did not finish by ${input.deadline} (restorePoll.timeoutMinutes); last error: ${input.error.message}` };
  }
  return { action: 'tolerate', unreachableSince: since, detail: `${input.error.name} (rebooting?): ${input.error.message}` };
}
