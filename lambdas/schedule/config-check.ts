import { ScheduleError } from './errors';
import { validateSchedule, type ScheduleInput } from './schedule';

/**
 * The clock-dependent half of schedule validation, for the places that load a config to act
 * on it now (`cdk synth`, the CLI): every device schedule must still have an occurrence at or
 * after `now`. Returns one line per problem, in the config's own terms
 * (`devices[2].schedule.rrule: the rule has no occurrence after ...`), empty when all is well.
 * Not part of the zod schema on purpose: the Lambdas re-validate the embedded config at every
 * cold start, and a schedule that has run its course must not stop the other devices' backups.
 */
export function scheduleProblemsAt(
  devices: readonly { readonly schedule?: { readonly rrule: ScheduleInput; readonly timezone?: string } | undefined }[],
  now: Date,
): string[] {
  const problems: string[] = [];
  devices.forEach((device, index) => {
    if (!device.schedule) return;
    try {
      validateSchedule(device.schedule.rrule, device.schedule.timezone, now);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      problems.push(`devices[${index}].schedule.${error.field}: ${error.message}`);
    }
  });
  return problems;
}
