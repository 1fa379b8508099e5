import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { CONFIG_DEFINE_KEY, configEmbedding, MAX_INLINE_CONFIG_BYTES, type ConfigEmbedding } from '../../infra/constructs/embedded-config';
import { fleetConfig } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'backup-runner-embed-'));

/** A fleet whose JSON is far beyond one command-line argument (128 KiB on Linux). */
function largeFleet(count: number): RunnerConfig {
  return parseConfig({
    archive: {},
    devices: Array.from({ length: count }, (_, i) => ({
      id: `appliance-${i}`,
      type: 'riverbed-npm-v1',
      url: `https://appliance-${i}.example.net`,
      secret: `backup-runner/appliance-${i}`,
      description: `rack ${i}: "quoted" text with $dollars, \`backticks\` and a \\ backslash`,
    })),
  });
}

/** Bundles a module that reads the config the way the handlers do, with the given embedding, and returns what it reads. */
async function embeddedValue(embedding: ConfigEmbedding): Promise<string> {
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, 'export const embedded: string | undefined = process.env.RUNNER_CONFIG_JSON;\n');
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    minify: true,
    define: embedding.define,
    ...(embedding.inject ? { inject: embedding.inject } : {}),
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.text;
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { embedded?: string };
  if (typeof mod.embedded !== 'string') throw new Error('the bundle did not embed the config');
  return mod.embedded;
}

describe('configEmbedding', () => {
  it('inlines a small config as a define of its JSON string', async () => {
    const config = fleetConfig();
    const embedding = configEmbedding(config, { injectDir: dir });
    expect(embedding.inject).toBeUndefined();
    expect(Object.keys(embedding.define)).toEqual([CONFIG_DEFINE_KEY]);
    expect(JSON.parse(await embeddedValue(embedding))).toEqual(config);
  });

  it('stays under the 128 KiB limit of one command-line argument', () => {
    expect(MAX_INLINE_CONFIG_BYTES + CONFIG_DEFINE_KEY.length + '--define:='.length).toBeLessThan(128 * 1024);
  });

  it('injects a module for a fleet too large for the command line, with the same result', async () => {
    const config = largeFleet(800);
    expect(Buffer.byteLength(JSON.stringify(config))).toBeGreaterThan(128 * 1024);
    const embedding = configEmbedding(config, { injectDir: dir });
    expect(embedding.inject).toHaveLength(1);
    // The define is now a short identifier, so esbuild's command line stays small.
    expect(embedding.define[CONFIG_DEFINE_KEY]!.length).toBeLessThan(100);
    expect(readFileSync(embedding.inject![0]!, 'utf8').length).toBeGreaterThan(128 * 1024);
    const embedded = await embeddedValue(embedding);
    expect(JSON.parse(embedded)).toEqual(config);
    // The handlers re-validate what they read: it must still be a valid config.
    expect(parseConfig(JSON.parse(embedded))).toEqual(config);
  });

  it('names the injected module by content, so the same config reuses one file', () => {
    const config = largeFleet(800);
    expect(configEmbedding(config, { injectDir: dir }).inject).toEqual(configEmbedding(config, { injectDir: dir }).inject);
    expect(configEmbedding(largeFleet(801), { injectDir: dir }).inject).not.toEqual(configEmbedding(config, { injectDir: dir }).inject);
  });
});
