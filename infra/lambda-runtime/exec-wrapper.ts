import { fileURLToPath } from 'node:url';

/**
 * The exec wrapper every runner function starts its runtime through (AWS_LAMBDA_EXEC_WRAPPER): it
 * caps V8's young generation, which Lambda's Node.js bootstrap sizes at 5% of the function's memory
 * (see the script). The benchmark starts its transfer child through the same script.
 */
export const EXEC_WRAPPER_SOURCE = fileURLToPath(new URL('./exec-wrapper.sh', import.meta.url));
/** Where the wrapper lands in the bundle, and so in the function (/var/task is the bundle's root). */
export const EXEC_WRAPPER_FILE = 'exec-wrapper.sh';
export const EXEC_WRAPPER_PATH = `/var/task/${EXEC_WRAPPER_FILE}`;

/**
 * The V8 flags Lambda's Node.js bootstrap (/var/runtime/bootstrap) gives a function of `memoryMb`:
 * a tenth of the memory for the young generation (two semi-spaces), the rest for the old one.
 */
export function lambdaBootstrapNodeArgs(memoryMb: number): string[] {
  const newSpaceMb = Math.floor(memoryMb / 10);
  return ['--expose-gc', `--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`, `--max-old-space-size=${memoryMb - newSpaceMb}`];
}
