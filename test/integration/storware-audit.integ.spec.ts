import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../cli/commands/audit';
import { main } from '../../cli/main';
import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator, type StorwareSimulator, type StorwareSimulatorOptions } from '../../simulators/storware';

/** `backup-runner audit` against the Storware simulator: config and secrets files as an operator writes them. */
const [VM1, VM2] = DEFAULT_STORWARE_ENTITIES.map((e) => e.guid) as [string, string];
let dir: string;
let sim: StorwareSimulator | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storware-audit-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setUp(options: StorwareSimulatorOptions) {
  sim = await startStorwareSimulator({ tls: true, ...options });
  const config = join(dir, `config-${Date.now()}.json`);
  const secrets = join(dir, 'secrets.json');
  await writeFile(
    config,
    JSON.stringify({
      archive: { bucket: 'audit-test' },
      devices: [
        {
          id: 'storware-prod',
          type: 'storware',
          url: sim.url,
          secret: 'backup-runner/storware',
          tls: { fingerprint256: sim.fingerprint256 },
          protectedEntities: [VM1, VM2],
        },
      ],
    }),
  );
  await writeFile(secrets, JSON.stringify({ 'backup-runner/storware': { login: 'admin', password: 'vPr0tect' } }));
  return { config, secrets };
}

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { out, text: () => text };
}

describe('backup-runner audit (Storware fleet check)', () => {
  it('finds the entity whose last SUCCESS is older than the limit (a newer FAILED does not count) and exits 1', async () => {
    const files = await setUp({
      existingBackups: [
        { entity: VM1, ageHours: 2 },
        { entity: VM2, ageHours: 30 },
        { entity: VM2, ageHours: 1, status: 'FAILED' },
        { entity: VM2, ageHours: 3, status: 'PARTIAL_SUCCESS' },
      ],
    });
    const { out, text } = capture();
    const code = await auditCommand({ ...files, device: 'storware-prod', maxAgeHours: '24', json: true }, out);
    expect(code).toBe(1);
    const report = JSON.parse(text());
    expect(report.stale).toEqual([VM2]);
    expect(report.entities).toEqual([
      expect.objectContaining({ entity: VM1, name: 'vm-erp-db', stale: false, lastSuccess: expect.objectContaining({ ageHours: expect.closeTo(2, 0) }) }),
      expect.objectContaining({ entity: VM2, stale: true, lastSuccess: expect.objectContaining({ ageHours: expect.closeTo(30, 0) }) }),
    ]);
    // The listing uses the seed's filters: protected-entity, status, from.
    const lists = sim!.requests().filter((r) => r.url.startsWith('/api/backups?'));
    expect(lists[0]!.url).toMatch(new RegExp(`^/api/backups\\?protected-entity=${VM1}&from=\\d+&status=SUCCESS&page=0&size=\\d+$`));
  });

  it('reads every page of a long backup list: the newest SUCCESS on a later page still counts', async () => {
    // 130 old backups of VM2, oldest first over several pages: only paging to the end finds the newest (30 h).
    const files = await setUp({
      existingBackups: [{ entity: VM1, ageHours: 1 }, ...Array.from({ length: 130 }, (_, i) => ({ entity: VM2, ageHours: 30 + i }))],
    });
    const { out, text } = capture();
    expect(await auditCommand({ ...files, device: 'storware-prod', maxAgeHours: '24', json: true }, out)).toBe(1);
    const vm2 = JSON.parse(text()).entities.find((e: { entity: string }) => e.entity === VM2);
    expect(vm2.lastSuccess.ageHours).toBeCloseTo(30, 0);
    const pages = sim!.requests().filter((r) => r.url.startsWith(`/api/backups?protected-entity=${VM2}&status=SUCCESS&page=`));
    expect(pages.map((r) => new URL(r.url, 'http://x').searchParams.get('page'))).toEqual(['0', '1']);
  });

  it('an entity that never had a backup is stale with "never"; the table says how many', async () => {
    const files = await setUp({ existingBackups: [{ entity: VM1, ageHours: 1 }] });
    const { out, text } = capture();
    expect(await auditCommand({ ...files, device: 'storware-prod', maxAgeHours: '24' }, out)).toBe(1);
    expect(text()).toMatch(new RegExp(`${VM2}\\s+vm-erp-app\\s+STALE\\s+never|${VM2}\\s+STALE\\s+never`));
    expect(text()).toContain('storware-prod: 1 of 2 protected entities have no SUCCESS backup newer than 24 h');
  });

  it('exits 0 when every entity is covered, through the registered CLI command', async () => {
    const files = await setUp({ existingBackups: [{ entity: VM1, ageHours: 5 }, { entity: VM2, ageHours: 23 }] });
    const code = await main(['audit', '--config', files.config, '--secrets', files.secrets, '--device', 'storware-prod', '--max-age-hours', '24', '--json']);
    expect(code).toBe(0);
  });

  it('refuses a non-positive age and an unknown device with a clear message (exit 2)', async () => {
    const files = await setUp({});
    expect(await main(['audit', '--config', files.config, '--device', 'storware-prod', '--max-age-hours', '0'])).toBe(2);
    expect(await main(['audit', '--config', files.config, '--device', 'nope', '--max-age-hours', '1'])).toBe(2);
  });
});
