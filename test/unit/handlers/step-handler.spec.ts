import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceUnreachable } from '../../../lambdas/common/errors';
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
    vi.stubEnv('RUNNER_CONFIG_JSON', JSON.stringify({ archive: {}, devices: [{ id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 's' }] }));
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

  it('logs one "step failed" line with the typed error and rethrows it unchanged', async () => {
    const capture = captureLines();
    const error = new DeviceUnreachable('connection refused', { deviceId: 'ar11-lab' });
    try {
      await expect(stepHandler(async () => Promise.reject(error))({ deviceId: 'ar11-lab', executionName: 'x' })).rejects.toBe(error);
    } finally {
      capture.restore();
    }
    const failed = capture.lines().filter((l) => l.message === 'step failed');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toContain('DeviceUnreachable');
    expect(failed[0]).toMatchObject({ level: 'ERROR', deviceId: 'ar11-lab', executionName: 'x' });
  });

  it('reads keys from any event shape, and redacts at depth', () => {
    expect(logKeysOf(undefined)).toEqual({});
    expect(logKeysOf({ input: { deviceId: 'a' } })).toEqual({ deviceId: 'a' });
    expect(redactSecrets({ headers: { Authorization: 'Bearer t', accept: 'json' }, list: [{ token: 't' }] })).toEqual({ headers: { Authorization: '[redacted]', accept: 'json' }, list: [{ token: '[redacted]' }] });
  });
});
