import { CHROMIUM_MISSING, chromiumAvailable } from './chromium-path';

/** Vitest global setup: one line for the whole run when the browser tests are skipped; an error under CI. */
export default function checkChromium(): void {
  if (chromiumAvailable()) return;
  if (process.env.CI === 'true') {
    throw new Error(`the browser tests cannot run: ${CHROMIUM_MISSING}. CI=true (.ci/run) makes skipping them an error.`);
  }
  process.stderr.write(`Browser tests skipped: ${CHROMIUM_MISSING} to run them.\n`);
}
