import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationFailed, DeviceBusy, DeviceProtocolError, DeviceUnreachable, TlsVerificationFailed } from '../../lambdas/common/errors';
import { createDeviceHttpClient, type DeviceHttpClient } from '../../lambdas/common/http';
import { silentLog } from '../../lambdas/common/log';
import { riverbedNpmV1DeviceSchema, type DeviceConfig } from '../../lambdas/config/schema';
import { RUNNER_MARKER, type BackupHandle, type Driver } from '../../lambdas/drivers/driver';
import { driverFor } from '../../lambdas/drivers/registry';
import { startNpmV1Simulator, type NpmV1Simulator, type NpmV1SimulatorOptions } from '../../simulators/riverbed-npm-v1';

/**
 * The riverbed-npm-v1 driver against the simulator over real HTTPS with a pinned fingerprint:
 * the whole backup cycle as the workflow runs it, a fresh driver per step.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function simulator(options: NpmV1SimulatorOptions = {}): Promise<NpmV1Simulator> {
  const sim = await startNpmV1Simulator({ tls: true, username: 'backup', password: 'pw-123', backupSize: 3 * 1024 * 1024 + 17, backupDurationMs: 300, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

function deviceFor(sim: NpmV1Simulator, tls: DeviceConfig['tls'] = { fingerprint256: sim.fingerprint256! }): DeviceConfig {
  return riverbedNpmV1DeviceSchema.parse({ id: 'ar11-sim', type: 'riverbed-npm-v1', url: sim.url, secret: 'backup-runner/ar11-sim', tls, timeouts: { connectSeconds: 5, idleSeconds: 10 } });
}

/** A driver as a workflow step makes it: its own HTTP client, its own login. */
function step(device: DeviceConfig, secret: unknown = { username: 'backup', password: 'pw-123' }): Driver {
  const http: DeviceHttpClient = createDeviceHttpClient(device);
  cleanups.push(() => http.close());
  return driverFor(device.type)({ device, secret, http, log: silentLog, now: () => new Date() });
}

async function pollUntilDone(device: DeviceConfig, handle: BackupHandle): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const progress = await step(device).pollBackup(handle);
    if (progress.state === 'completed') return;
    if (progress.state === 'failed') throw new Error(progress.reason);
    if (Date.now() > deadline) throw new Error('backup did not complete in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const logins = (sim: NpmV1Simulator) => sim.requests().filter((r) => r.path.includes('/mgmt.aaa/'));

describe('riverbed-npm-v1 driver against the simulator (HTTPS, pinned fingerprint)', () => {
  it('runs start, poll, download and delete, delivering the exact bytes', async () => {
    const sim = await simulator({ existingBackups: [{ description: 'before upgrade (jane)' }] });
    const device = deviceFor(sim);

    const handle = await step(device).startBackup({ runId: 'run1', description: `${RUNNER_MARKER} run1` });
    expect(Object.keys(handle)).toEqual(['backupId']);
    await pollUntilDone(device, handle);

    const artifact = await step(device).openArtifact(handle);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of artifact.body) {
      bytes += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    const onDevice = sim.backups().find((b) => b.id === handle.backupId)!;
    expect(artifact.size).toBe(onDevice.size);
    expect(bytes).toBe(onDevice.size);
    expect(hash.digest('hex')).toBe(onDevice.sha256);
    expect(artifact.extension).toBe('tar.gz');
    expect(artifact.contentType).toBe('application/x-gzip');
    expect(artifact.device).toMatchObject({ hostname: 'ar11-sim', softwareVersion: '11.13.0' });

    await step(device).deleteBackup(handle);
    expect(sim.backups().map((b) => b.description)).toEqual(['before upgrade (jane)']);
    // Deleting again is fine: the backup is already gone.
    await step(device).deleteBackup(handle);
  });

  it('logs in again when the device revokes the token mid-run', async () => {
    const sim = await simulator();
    const device = deviceFor(sim);
    const driver = step(device);
    const handle = await driver.startBackup({ runId: 'run2', description: `${RUNNER_MARKER} run2` });
    expect(logins(sim)).toHaveLength(1);

    sim.faults.revokeTokensAfterRequests = 0; // the next authenticated request gets a 401
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await driver.pollBackup(handle)).toEqual({ state: 'completed' });
    expect(logins(sim)).toHaveLength(2);
    expect(sim.requests().filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('rotates its own backups and leaves someone else\'s alone', async () => {
    const sim = await simulator({ existingBackups: [{ description: 'before upgrade (jane)' }] });
    const device = deviceFor(sim);
    const first = await step(device).startBackup({ runId: 'a', description: `${RUNNER_MARKER} a` });
    await pollUntilDone(device, first);
    // Two on the device now (jane's and ours): the next run deletes ours to make room.
    const second = await step(device).startBackup({ runId: 'b', description: `${RUNNER_MARKER} b` });
    expect(sim.backups().map((b) => b.id).sort()).toEqual([sim.backups().find((b) => b.description.startsWith('before'))!.id, second.backupId].sort());
    expect(sim.backups().some((b) => b.id === first.backupId)).toBe(false);
  });

  it('is busy when both backups on the device belong to someone else', async () => {
    const sim = await simulator({ existingBackups: [{ description: 'jane 1' }, { description: 'jane 2' }] });
    await expect(step(deviceFor(sim)).startBackup({ runId: 'c', description: `${RUNNER_MARKER} c` })).rejects.toThrow(DeviceBusy);
    expect(sim.backups()).toHaveLength(2);
  });

  it('uses mgmt.aaa 1.0 where 2.0 does not exist', async () => {
    const sim = await simulator({ tokenApi: '1.0' });
    const handle = await step(deviceFor(sim)).startBackup({ runId: 'd', description: `${RUNNER_MARKER} d` });
    expect(handle.backupId).toBeTruthy();
    expect(logins(sim).map((r) => `${r.path} ${r.status}`)).toEqual(['/api/mgmt.aaa/2.0/token 404', '/api/mgmt.aaa/1.0/token 201']);
  });

  it('reports wrong credentials, a 5xx, garbage and a wrong pin with the right error types', async () => {
    const sim = await simulator();
    const device = deviceFor(sim);
    await expect(step(device, { username: 'backup', password: 'wrong' }).pollBackup({ backupId: '1' })).rejects.toThrow(AuthenticationFailed);

    sim.faults.serverErrors = { count: 1, status: 503 };
    await expect(step(device).startBackup({ runId: 'e', description: `${RUNNER_MARKER} e` })).rejects.toThrow(DeviceUnreachable);

    const handle = await step(device).startBackup({ runId: 'e', description: `${RUNNER_MARKER} e` });
    sim.faults.garbage = 'non-json';
    await expect(step(device).pollBackup(handle)).rejects.toThrow(DeviceProtocolError);
    sim.faults.garbage = 'unknown-status';
    await expect(step(device).pollBackup(handle)).rejects.toThrow(/unknown status "exploded"/);
    delete sim.faults.garbage;

    const other = await simulator();
    await expect(step(deviceFor(sim, { fingerprint256: other.fingerprint256! })).pollBackup(handle)).rejects.toThrow(TlsVerificationFailed);
    // Trusting the certificate as a CA works too (its SANs cover 127.0.0.1).
    expect((await step(deviceFor(sim, { caPem: sim.caPem! })).pollBackup(handle)).state).toMatch(/running|completed/);
  });
});
