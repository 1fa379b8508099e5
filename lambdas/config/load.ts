import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../common/errors';
import { scheduleProblemsAt } from '../schedule/config-check';
import { configSchema, type RunnerConfig } from './schema';

/** Loads, validates and normalises a config file (YAML or JSON). Throws ConfigError naming every bad field. */
export function loadConfigFile(path: string): RunnerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  const config = parseConfig(raw, { source: path, baseDir: dirname(resolve(path)) });
  // Checked here (CLI and synth) and not in the schema: the deployed Lambdas re-parse their
  // embedded config at every cold start, and one expired schedule must not stop them all.
  const expired = scheduleProblemsAt(config.devices, new Date());
  if (expired.length) throw new ConfigError(`${path} is invalid:`, expired);
  return config;
}

/**
 * Validates a parsed config object. `caFile` paths are read (relative to `baseDir`) into
 * `caPem`, so the result is self-contained and can be shipped to the Lambdas as it is.
 */
export function parseConfig(raw: unknown, options: { source?: string; baseDir?: string } = {}): RunnerConfig {
  const source = options.source ?? 'config';
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:`, formatIssues(result.error.issues));
  }
  const config = result.data;
  const problems: string[] = [];
  config.devices.forEach((device, index) => {
    if (device.tls && 'caFile' in device.tls) {
      const file = resolve(options.baseDir ?? process.cwd(), device.tls.caFile);
      try {
        const pem = readFileSync(file, 'utf8');
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
        device.tls = { caPem: pem };
      } catch (error) {
        problems.push(`devices[${index}].tls.caFile: cannot use ${file}: ${(error as Error).message}`);
      }
    }
  });
  if (problems.length) throw new ConfigError(`${source} is invalid:`, problems);
  return config;
}

/** `devices[0].tls.fingerprint256: must be ...` — the path in the file's own terms, then what is allowed. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_union':
      if ('discriminator' in issue && Array.isArray((issue as { options?: unknown[] }).options)) {
        const options = (issue as unknown as { options: unknown[] }).options;
        return `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      }
      return issue.message;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against the config reference)`;
    case 'invalid_type':
      return issue.message.includes('received undefined') ? `is required (${issue.expected})` : issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** The device with this id, or a ConfigError listing the ids that exist. */
export function findDevice(config: RunnerConfig, deviceId: string): RunnerConfig['devices'][number] {
  const device = config.devices.find((d) => d.id === deviceId);
  if (!device) {
    throw new ConfigError(`no device "${deviceId}" in the config; known devices: ${config.devices.map((d) => d.id).join(', ')}`);
  }
  return device;
}
