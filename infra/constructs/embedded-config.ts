import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunnerConfig } from '../../lambdas/config/schema';

/** The expression the handlers read their config from; esbuild replaces it at build time. */
export const CONFIG_DEFINE_KEY = 'process.env.RUNNER_CONFIG_JSON';

/**
 * Largest config literal passed straight on esbuild's command line. Linux caps one argument at
 * 128 KiB (MAX_ARG_STRLEN), and a fleet of a few hundred devices passes that; larger configs
 * go through an injected module instead. Both give the handlers the same string.
 */
export const MAX_INLINE_CONFIG_BYTES = 100 * 1024;

/** The global identifier the injected module exports and the define points at. */
const INJECTED_IDENTIFIER = '__BACKUP_RUNNER_CONFIG_JSON';

/** The esbuild options that embed the config in a bundle (NodejsFunction `bundling.define`/`inject`). */
export interface ConfigEmbedding {
  readonly define: Record<string, string>;
  /** Absolute paths of modules to inject; present only for configs too large to inline. */
  readonly inject?: string[];
}

/**
 * How to embed the validated config in the Lambda bundles. Lambda environment variables are
 * limited to 4 KB in total, so the config is compiled into the code instead: small configs as a
 * `define` of the JSON string literal, large ones as a `define` pointing at an injected module
 * that exports the literal (esbuild's documented inject + define pairing).
 *
 * The injected module is written to `injectDir`, named by the content hash, so repeated synths
 * reuse it and the bundle output (hence the asset hash) depends only on the config.
 */
export function configEmbedding(config: RunnerConfig, options: { injectDir?: string } = {}): ConfigEmbedding {
  const literal = JSON.stringify(JSON.stringify(config));
  if (Buffer.byteLength(literal) <= MAX_INLINE_CONFIG_BYTES) {
    return { define: { [CONFIG_DEFINE_KEY]: literal } };
  }
  const dir = options.injectDir ?? join(tmpdir(), 'backup-runner-config');
  const hash = createHash('sha256').update(literal).digest('hex').slice(0, 16);
  const file = join(dir, `runner-config-${hash}.mjs`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `export const ${INJECTED_IDENTIFIER} = ${literal};\n`);
  return { define: { [CONFIG_DEFINE_KEY]: INJECTED_IDENTIFIER }, inject: [file] };
}
