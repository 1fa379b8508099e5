import {
  DecryptionFailure,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidRequestException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretError } from '../../../lambdas/common/errors';
import { fileSecretSource, secretsManagerSource, staticSecretSource } from '../../../lambdas/common/secrets';

const PASSWORD = 'hunter2-s3cr3t';
const client = new SecretsManagerClient({ region: 'us-east-1' });
const sm = mockClient(client);

afterEach(() => {
  sm.reset();
});

/** The failure's message and everything it chains to, to check that no secret value leaks. */
function everythingSaid(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '');
  return parts.join('\n');
}

async function failure(promise: Promise<unknown>): Promise<SecretError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  expect((error as Error).name).toBe('SecretError');
  return error as SecretError;
}

describe('secretsManagerSource', () => {
  const source = secretsManagerSource(client);

  it('returns SecretString parsed as JSON', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'backup-runner/ar11-lab' }).resolves({ SecretString: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    await expect(source.get('backup-runner/ar11-lab')).resolves.toEqual({ username: 'admin', password: PASSWORD });
  });

  it.each([
    {
      what: 'a missing secret',
      error: new ResourceNotFoundException({ $metadata: {}, message: "Secrets Manager can't find the specified secret." }),
      message: /secret "backup-runner\/ar11-lab" does not exist in Secrets Manager .*create it .*correct the device's "secret"/,
    },
    {
      what: 'access denied',
      error: new SecretsManagerServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'User is not authorized' }),
      message: /not allowed to read secret "backup-runner\/ar11-lab": .*"secrets" scope.*secrets\.prefix/,
    },
    {
      what: 'a KMS failure',
      error: new DecryptionFailure({ $metadata: {}, message: 'KMS says no' }),
      message: /could not decrypt secret "backup-runner\/ar11-lab": .*kms:Decrypt/,
    },
    {
      what: 'a secret scheduled for deletion',
      error: new InvalidRequestException({ $metadata: {}, message: 'marked for deletion' }),
      message: /secret "backup-runner\/ar11-lab" cannot be read now; .*restore-secret/,
    },
  ])('turns $what into a SecretError that says what to do', async ({ error, message }) => {
    sm.on(GetSecretValueCommand).rejects(error);
    const thrown = await failure(source.get('backup-runner/ar11-lab'));
    expect(thrown.message).toMatch(message);
    expect(thrown.cause).toBe(error);
  });

  it('passes other failures through unchanged (the SDK already retried them)', async () => {
    const error = new InternalServiceError({ $metadata: {}, message: 'oops' });
    sm.on(GetSecretValueCommand).rejects(error);
    await expect(source.get('x')).rejects.toBe(error);
  });

  it.each([
    { what: 'binary', response: { SecretBinary: new Uint8Array([1, 2, 3]) }, message: /holds binary data/ },
    { what: 'not JSON', response: { SecretString: `password=${PASSWORD}` }, message: /is not JSON; store it as a JSON object/ },
    { what: 'truncated JSON', response: { SecretString: `{"password":"${PASSWORD}"` }, message: /is not JSON/ },
    { what: 'a JSON string', response: { SecretString: JSON.stringify(PASSWORD) }, message: /is a string, not a JSON object/ },
    { what: 'a JSON array', response: { SecretString: JSON.stringify([PASSWORD]) }, message: /is an array, not a JSON object/ },
  ])('refuses a value that is $what, without repeating it', async ({ response, message }) => {
    sm.on(GetSecretValueCommand).resolves(response);
    const thrown = await failure(source.get('backup-runner/ar11-lab'));
    expect(thrown.message).toMatch(message);
    expect(thrown.message).toContain('"backup-runner/ar11-lab"');
    expect(everythingSaid(thrown)).not.toContain(PASSWORD);
  });
});

describe('fileSecretSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function secretsFile(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('returns the named secret, and sees edits without a restart', async () => {
    const path = await secretsFile('ok.json', JSON.stringify({ 'backup-runner/a': { username: 'u', password: PASSWORD } }));
    const source = fileSecretSource(path);
    await expect(source.get('backup-runner/a')).resolves.toEqual({ username: 'u', password: PASSWORD });
    await writeFile(path, JSON.stringify({ 'backup-runner/a': { username: 'v', password: 'new' } }));
    await expect(source.get('backup-runner/a')).resolves.toEqual({ username: 'v', password: 'new' });
  });

  it('names the secrets the file has when one is missing', async () => {
    const path = await secretsFile('two.json', JSON.stringify({ 'backup-runner/b': { password: PASSWORD }, 'backup-runner/a': { password: PASSWORD } }));
    const thrown = await failure(fileSecretSource(path).get('backup-runner/c'));
    expect(thrown.message).toBe(`secret "backup-runner/c" is not in secrets file ${path}; it has: backup-runner/a, backup-runner/b`);
    expect(everythingSaid(thrown)).not.toContain(PASSWORD);
  });

  it('does not take inherited names for secrets', async () => {
    const path = await secretsFile('empty.json', '{}');
    const thrown = await failure(fileSecretSource(path).get('toString'));
    expect(thrown.message).toMatch(/secret "toString" is not in secrets file .*; it has none/);
  });

  it.each([
    { what: 'is missing', file: 'nope.json', content: undefined, message: /secrets file .*nope\.json does not exist: pass --secrets/ },
    { what: 'is not JSON', file: 'bad.json', content: `{"a": {"password": "${PASSWORD}"`, message: /secrets file .*bad\.json is not valid JSON/ },
    { what: 'is an array', file: 'array.json', content: `[{"password": "${PASSWORD}"}]`, message: /must hold a JSON object/ },
    { what: 'holds a non-object value', file: 'scalar.json', content: JSON.stringify({ a: PASSWORD }), message: /secret "a" in .*scalar\.json is a string, not a JSON object/ },
  ])('fails clearly when the file $what', async ({ file, content, message }) => {
    const path = content === undefined ? join(dir, file) : await secretsFile(file, content);
    const thrown = await failure(fileSecretSource(path).get('a'));
    expect(thrown.message).toMatch(message);
    expect(everythingSaid(thrown)).not.toContain(PASSWORD);
  });
});

describe('staticSecretSource', () => {
  it('returns copies, so a caller cannot change the stored value', async () => {
    const source = staticSecretSource({ s: { username: 'u', password: PASSWORD } });
    const first = (await source.get('s')) as { password: string };
    first.password = 'changed';
    await expect(source.get('s')).resolves.toEqual({ username: 'u', password: PASSWORD });
  });

  it('lists the names it has when one is missing', async () => {
    const thrown = await failure(staticSecretSource({ b: {}, a: {} }).get('c'));
    expect(thrown.message).toBe('secret "c" is not among the configured secrets; it has: a, b');
  });
});
