import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { DeviceRejectedRequest, DeviceUnreachable } from '../../../lambdas/common/errors';
import { logKeysOf, redactSecrets, stepHandler } from '../../../lambdas/handlers/lambda-deps';

/** The Powertools logger's JSON lines, whichever stream it writes to. */
function captureLines(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const raw: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (raw.push(String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (raw.push(String(chunk)), true)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((line: unknown) => void raw.push(String(line)))),
  ];
  return {
    lines: () => raw.flatMap((r) => r.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe('stepHandler', () => {
  beforeEach(() => {
    vi.stubEnv('ARCHIVE_BUCKET', 'b');
    vi.stubEnv('RUNNER_CONFIG_JSON', JSON.stringify({ archive: {}, devices: [{ id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/s' }] }));
  });
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    ['the first step', { input: { deviceId: 'ar11-lab' }, executionName: 'ar11-lab-20261122T0200Z' }],
    ['a run state', { deviceId: 'ar11-lab', executionName: 'ar11-lab-20261122T0200Z', runId: 'r' }],
    ['DecideRetry', { state: { deviceId: 'ar11-lab', executionName: 'ar11-lab-20261122T0200Z' }, input: { deviceId: 'ar11-lab' } }],
  ])('puts deviceId and executionName on every line for %s, and redacts credential fields', async (_what, event) => {
    const capture = captureLines();
    try {
      const handler = stepHandler(async (_e: unknown, deps) => {
        deps.log.info('logging in', { url: 'https://a.example.net', user_credentials: { username: 'u', password: 'CANARY' } });
        deps.log.warn('retrying');
        return 'ok';
      });
      expect(await handler(event)).toBe('ok');
    } finally {
      capture.restore();
    }
    const lines = capture.lines();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatchObject({ deviceId: 'ar11-lab', executionName: 'ar11-lab-20261122T0200Z', service: 'backup-runner' });
    expect(JSON.stringify(lines)).not.toContain('CANARY');
    expect(lines[0]).toMatchObject({ message: 'logging in', user_credentials: '[redacted]' });
  });

  it('logs one "step failed" line with the typed error and rethrows it with its type and message', async () => {
    const capture = captureLines();
    const error = new DeviceUnreachable('connection refused', { deviceId: 'ar11-lab' });
    try {
      const thrown = await stepHandler(async () => Promise.reject(error))({ deviceId: 'ar11-lab', executionName: 'x' }).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(DeviceUnreachable);
      expect(thrown).toMatchObject({ name: 'DeviceUnreachable', message: error.message, deviceId: 'ar11-lab' });
    } finally {
      capture.restore();
    }
    const failed = capture.lines().filter((l) => l.message === 'step failed');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toContain('DeviceUnreachable');
    expect(failed[0]).toMatchObject({ level: 'ERROR', deviceId: 'ar11-lab', executionName: 'x' });
  });

  it('scrubs the secret a step read (from Secrets Manager) out of its error and the "step failed" line', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 's' }).resolves({ SecretString: JSON.stringify({ username: 'admin', password: 'CANARY-PW-1' }) });
    const capture = captureLines();
    let thrown: unknown;
    try {
      const handler = stepHandler(async (_e: unknown, deps) => {
        const secret = (await deps.secrets.get('s')) as { password: string };
        throw new DeviceRejectedRequest(`400 {"error_text":"bad password ${secret.password}"}`, { deviceId: 'ar11-lab', status: 400 });
      });
      thrown = await handler({ deviceId: 'ar11-lab', executionName: 'x' }).catch((e: unknown) => e);
    } finally {
      capture.restore();
      sm.restore();
    }
    expect(thrown).toBeInstanceOf(DeviceRejectedRequest);
    expect((thrown as Error).message).toBe('ar11-lab: 400 {"error_text":"bad password [redacted]"}');
    const failed = capture.lines().filter((l) => l.message === 'step failed');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toContain('[redacted]');
    expect(JSON.stringify(capture.lines())).not.toContain('CANARY-PW-1');
  });

  it('reads keys from any event shape, and redacts at depth', () => {
    expect(logKeysOf(undefined)).toEqual({});
    expect(logKeysOf({ input: { deviceId: 'a' } })).toEqual({ deviceId: 'a' });
    expect(redactSecrets({ headers: { Authorization: 'Bearer t', accept: 'json' }, list: [{ token: 't' }] })).toEqual({ headers: { Authorization: '[redacted]', accept: 'json' }, list: [{ token: '[redacted]' }] });
  });
});
