import { cleanError } from '../common/clean-error';
import { SecretScrubber, scrubberRecordingSource } from '../common/secret-scrubber';
import { scrubbingLog } from '../common/scrubbing-log';
import type { StepDeps } from './deps';

/** A workflow step: what a Task state runs, in Lambda (lambdas/handlers) and in local runs (cli/local). */
export type WorkflowStep<E, R> = (event: E, deps: StepDeps) => Promise<R>;

/**
 * Runs one step invocation behind the secret and size net. This is the one place every step goes
 * through: the Lambda handlers (stepHandler) and the local state machine runner
 * (runLocalExecution) both call it. The invocation gets its own SecretScrubber; every secret the
 * step reads is registered with it on the way in; every log line the step writes, the error it
 * throws (message, stack, causes) and the result it returns (the next state, in the execution
 * history) leave with those values replaced, control characters removed and lengths bounded.
 */
export async function runGuardedStep<E, R>(step: WorkflowStep<E, R>, event: E, deps: StepDeps): Promise<R> {
  const scrubber = new SecretScrubber();
  const guarded: StepDeps = { ...deps, secrets: scrubberRecordingSource(deps.secrets, scrubber), log: scrubbingLog(deps.log, scrubber) };
  let result: R;
  try {
    result = await step(event, guarded);
  } catch (error) {
    throw cleanError(error, scrubber);
  }
  return scrubber.scrubDeep(result);
}
