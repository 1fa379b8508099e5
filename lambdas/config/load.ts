import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { closestName } from '../common/closest-name';
import { ConfigError } from '../common/errors';
import { knownFieldsAt } from './field-paths';
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
  const raw = parseConfigText(text, path);
  const config = parseConfig(raw, { source: path, baseDir: dirname(resolve(path)) });
  // Checked here (CLI and synth) and not in the schema: the deployed Lambdas re-parse their
  // embedded config at every cold start, and one expired schedule must not stop them all.
  const expired = scheduleProblemsAt(config.devices, new Date());
  if (expired.length) throw new ConfigError(`${path} is invalid:`, expired);
  return config;
}

/** Empty config files are said to be empty (not "expected object, received null"). */
const EMPTY_CONFIG = 'it needs at least "archive" and "devices" (start from examples/backup-runner.yaml; fields in docs/config.md)';

/**
 * The file's text as a value: a `.json` file strictly as JSON (a trailing comma is an error, not
 * YAML's lenient reading), anything else as YAML (a superset of JSON).
 */
export function parseConfigText(text: string, path: string): unknown {
  if (text.trim() === '') throw new ConfigError(`config file ${path} is empty: ${EMPTY_CONFIG}`);
  let raw: unknown;
  if (extname(path).toLowerCase() === '.json') {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    try {
      raw = parseYaml(text);
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid YAML: ${(error as Error).message}`);
    }
  }
  if (raw === null || raw === undefined) throw new ConfigError(`config file ${path} holds no settings (only comments?): ${EMPTY_CONFIG}`);
  return raw;
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
    case 'unrecognized_keys': {
      const known = knownFieldsAt(schemaPath(issue.path));
      const guesses = issue.keys.map((k) => closestName(k, known));
      const named = issue.keys.map((k, i) => (guesses[i] ? `"${k}" (did you mean "${guesses[i]}"?)` : `"${k}"`));
      const hint = guesses.every(Boolean) ? 'see docs/config.md' : `fields here: ${known.join(', ')} (docs/config.md)`;
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${named.join(', ')}; ${hint}`;
    }
    case 'invalid_type':
      return issue.message.includes('received undefined') ? `is required (${issue.expected})` : issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** A value's path in the docs' terms: ['devices', 0, 'server'] -> `devices[].server`. */
function schemaPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? '[]' : `.${String(part)}`)).join('').replace(/^\./, '');
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
    const ids = config.devices.map((d) => d.id);
    const guess = closestName(deviceId, ids);
    throw new ConfigError(`no device "${deviceId}" in the config${guess ? ` (did you mean "${guess}"?)` : ''}; known devices: ${ids.join(', ')}`);
  }
  return device;
}
