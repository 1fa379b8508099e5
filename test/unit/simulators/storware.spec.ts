import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator, type StorwareSimulator } from '../../../simulators/storware';

/**
 * The Storware simulator as a witness of the vendor's documents: it must refuse what a real
 * server refuses, or a driver that sends it passes its tests and fails in the field.
 */
let sim: StorwareSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function loggedIn(): Promise<{ call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: unknown }> }> {
  sim = await startStorwareSimulator({ exportDurationMs: 100, storeDurationMs: 20, restoreDurationMs: 100 });
  const login = await fetch(`${sim.url}/api/session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: 'vPr0tect' }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    call: async (method, path, body) => {
      const answer = await fetch(`${sim!.url}${path}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: answer.status, json: await answer.json() };
    },
  };
}

describe('Storware simulator', () => {
  const entity = DEFAULT_STORWARE_ENTITIES[0]!.guid;

  it('refuses a bare-string enum with 400 and takes the EnumNameAndDescription object', async () => {
    const { call } = await loggedIn();
    const bare = await call('POST', '/api/tasks/export', { protectedEntities: [{ guid: entity }], backupType: 'FULL' });
    expect(bare.status).toBe(400);
    expect(JSON.stringify(bare.json)).toContain('EnumNameAndDescription');
    const named = await call('POST', '/api/tasks/export', { protectedEntities: [{ guid: entity }], backupType: { name: 'FULL' } });
    expect(named.status).toBe(200);
  });
});
