import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFile } from 'node:fs/promises';
import { SecretError } from './errors';

/**
 * Where device credentials come from: Secrets Manager in AWS, a JSON file in local runs, a map
 * in tests. A secret's value is a JSON object; drivers check the fields they need.
 *
 * Values never appear in messages, logs or error causes. That is also why JSON parse errors are
 * not kept as causes: V8's SyntaxError messages quote a piece of the text.
 */
export interface SecretSource {
  /** The secret's value, parsed; SecretError when it is missing, unreadable or not a JSON object. */
  get(name: string): Promise<unknown>;
}

/** Secrets Manager (GetSecretValue, current version); SecretString must hold a JSON object. */
export function secretsManagerSource(client: SecretsManagerClient): SecretSource {
  return {
    async get(name) {
      let secretString: string | undefined;
      try {
        const response = await client.send(new GetSecretValueCommand({ SecretId: name }));
        if (response.SecretString === undefined) {
          throw new SecretError(`secret "${name}" holds binary data; store the credentials as JSON text, e.g. {"username": "...", "password": "..."}`);
        }
        secretString = response.SecretString;
      } catch (error) {
        throw describeSecretsManagerError(name, error);
      }
      return parseSecretValue(secretString, `secret "${name}"`);
    },
  };
}

/** Typed, actionable errors for the Secrets Manager failures an operator can fix. Others pass through. */
function describeSecretsManagerError(name: string, error: unknown): unknown {
  if (error instanceof SecretError) return error;
  const errorName = error instanceof Error ? error.name : undefined;
  switch (errorName) {
    case 'ResourceNotFoundException':
      return new SecretError(
        `secret "${name}" does not exist in Secrets Manager (in this account and region): create it with the device's credentials as a JSON object, or correct the device's "secret" in the config`,
        { cause: error },
      );
    case 'AccessDeniedException':
      return new SecretError(
        `not allowed to read secret "${name}": the runner may read only the secrets of the config's "secrets" scope (names under secrets.prefix, and tagged secrets.tag when one is set): check the secret's name and tags (and kms:Decrypt on its key when that is a customer managed KMS key)`,
        { cause: error },
      );
    case 'DecryptionFailure':
      return new SecretError(`Secrets Manager could not decrypt secret "${name}": the runner's role needs kms:Decrypt on the secret's KMS key`, {
        cause: error,
      });
    case 'InvalidRequestException':
      return new SecretError(`secret "${name}" cannot be read now; it may be scheduled for deletion: restore it (aws secretsmanager restore-secret)`, {
        cause: error,
      });
    default:
      return error;
  }
}

/**
 * A JSON file standing in for Secrets Manager in local runs: `{ "<secret name>": { ...value } }`.
 * Read at every `get`, so an edit shows without a restart.
 */
export function fileSecretSource(path: string): SecretSource {
  return {
    async get(name) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
        throw new SecretError(`secrets file ${path} ${problem}: pass --secrets with a JSON file {"<secret name>": {"username": "...", "password": "..."}}`, {
          cause: error,
        });
      }
      let secrets: unknown;
      try {
        secrets = JSON.parse(text);
      } catch {
        throw new SecretError(`secrets file ${path} is not valid JSON; it must hold {"<secret name>": {...}}`);
      }
      if (!isPlainObject(secrets)) {
        throw new SecretError(`secrets file ${path} must hold a JSON object {"<secret name>": {...}}`);
      }
      if (!Object.hasOwn(secrets, name)) {
        throw new SecretError(`secret "${name}" is not in secrets file ${path}; ${describeNames(Object.keys(secrets))}`);
      }
      return checkSecretValue(secrets[name], `secret "${name}" in ${path}`);
    },
  };
}

/** Secrets held in memory, for tests and the demo. Each `get` returns a copy. */
export function staticSecretSource(secrets: Record<string, unknown>): SecretSource {
  return {
    async get(name) {
      if (!Object.hasOwn(secrets, name)) {
        throw new SecretError(`secret "${name}" is not among the configured secrets; ${describeNames(Object.keys(secrets))}`);
      }
      return structuredClone(checkSecretValue(secrets[name], `secret "${name}"`));
    },
  };
}

function parseSecretValue(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretError(`${what} is not JSON; store it as a JSON object, e.g. {"username": "...", "password": "..."}`);
  }
  return checkSecretValue(value, what);
}

function checkSecretValue(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    // Say what kind of value it is, never the value.
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new SecretError(`${what} is ${kind}, not a JSON object such as {"username": "...", "password": "..."}`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeNames(names: string[]): string {
  return names.length ? `it has: ${[...names].sort().join(', ')}` : 'it has none';
}
