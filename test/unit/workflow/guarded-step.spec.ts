import { describe, expect, it } from 'vitest';
import { ConfigError, DeviceRejectedRequest, DeviceUnreachable } from '../../../lambdas/common/errors';
import type { Log } from '../../../lambdas/common/log';
import { staticSecretSource } from '../../../lambdas/common/secrets';
import type { StepDeps } from '../../../lambdas/workflow/deps';
import { runGuardedStep } from '../../../lambdas/workflow/guarded-step';

const CANARY = 'canary-9f2c1e7a';
const KEY_LINE = 'b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHI';

function depsWith(lines: string[]): StepDeps {
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    lines.push(JSON.stringify({ level, message, extra }, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack, cause: v.cause } : v)));
  const log: Log = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  return {
    config: {} as StepDeps['config'],
    archive: {} as StepDeps['archive'],
    secrets: staticSecretSource({
      device: { username: 'admin', password: CANARY },
      landing: { username: 'backup', privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_LINE}\n-----END OPENSSH PRIVATE KEY-----`, passphrase: `${CANARY}-pp` },
    }),
    log,
    now: () => new Date(),
  };
}

/** Everything an error says: message, stack, and the same of its causes. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

describe('runGuardedStep: the one place every step goes through', () => {
  it('scrubs the secret values the step read from the error it throws (message, stack, causes), keeping its type and fields', async () => {
    const lines: string[] = [];
    const echoed = JSON.stringify({ error_text: `cannot parse {"password":"${CANARY}"}` });
    const thrown = await runGuardedStep(
      async (_event: unknown, deps) => {
        await deps.secrets.get('device');
        throw new DeviceRejectedRequest(`POST /token answered 400 (${echoed})`, {
          deviceId: 'ar11',
          status: 400,
          cause: new Error(`raw answer ${echoed}`, { cause: new Error(CANARY) }),
        });
      },
      {},
      depsWith(lines),
    ).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DeviceRejectedRequest);
    expect(thrown).toMatchObject({ name: 'DeviceRejectedRequest', status: 400, deviceId: 'ar11' });
    expect((thrown as Error).message).toContain('ar11: POST /token answered 400 (');
    expect((thrown as Error).message).toContain('[redacted]');
    expect((thrown as Error).stack).toMatch(/^DeviceRejectedRequest: ar11: POST \/token/);
    expect((thrown as Error).stack).toContain('guarded-step.spec.ts');
    expect(everything(thrown)).not.toContain(CANARY);
    expect(everything(thrown)).toContain('raw answer');
  });

  it('scrubs every log line the step writes, also a private key line and a passphrase read from a second secret', async () => {
    const lines: string[] = [];
    await runGuardedStep(
      async (_event: unknown, deps) => {
        await deps.secrets.get('device');
        await deps.secrets.get('landing');
        deps.log.info(`login with ${CANARY}`, { body: { text: `echo ${KEY_LINE}` }, error: new DeviceUnreachable(`503 ${CANARY}-pp`) });
        deps.log.debug('forged\nERROR line', { list: [CANARY] });
        return 'ok';
      },
      {},
      depsWith(lines),
    );
    const text = lines.join('\n');
    expect(lines).toHaveLength(2);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(KEY_LINE);
    expect(JSON.parse(lines[1]!).message).toBe('forged ERROR line');
  });

  it('scrubs the result (the next state, kept in the execution history)', async () => {
    const result = await runGuardedStep(
      async (_event: unknown, deps) => {
        await deps.secrets.get('device');
        return { deviceId: 'ar11', handle: { backupId: `id-${CANARY}` }, n: 3 };
      },
      {},
      depsWith([]),
    );
    expect(result).toEqual({ deviceId: 'ar11', handle: { backupId: 'id-[redacted]' }, n: 3 });
  });

  it('bounds a 400 KiB device text in the error, and keeps a config error readable line by line', async () => {
    const huge = await runGuardedStep(
      async () => {
        const error = new Error(`answered ${'x'.repeat(400 * 1024)}`);
        throw error;
      },
      {},
      depsWith([]),
    ).catch((e: unknown) => e as Error);
    expect(huge.message.length).toBeLessThan(2100);
    expect(huge.message).toMatch(/\.\.\.\[cut \d+ characters\]$/);
    const config = await runGuardedStep(
      async () => {
        throw new ConfigError('the config is wrong', ['devices.0.id: bad', 'devices.1.url: bad']);
      },
      {},
      depsWith([]),
    ).catch((e: unknown) => e);
    expect(config).toBeInstanceOf(ConfigError);
    expect((config as ConfigError).message).toBe('the config is wrong\n  - devices.0.id: bad\n  - devices.1.url: bad');
    expect((config as ConfigError).issues).toEqual(['devices.0.id: bad', 'devices.1.url: bad']);
  });

  it('turns a thrown non-error into an error with its text, scrubbed', async () => {
    const thrown = await runGuardedStep(
      async (_event: unknown, deps) => {
        await deps.secrets.get('device');
        throw `string ${CANARY}`;
      },
      {},
      depsWith([]),
    ).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe('string [redacted]');
  });
});
