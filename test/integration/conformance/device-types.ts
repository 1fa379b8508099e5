import { createHash } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { startSftpServer } from '../../../simulators/common/sftp-server';
import type { SftpReadFaults } from '../../../simulators/common/sftp-session';
import { startQRadarSimulator, type QRadarSimulator } from '../../../simulators/qradar';
import { startFlowGatewaySimulator, type FlowGatewaySimulator } from '../../../simulators/riverbed-flow-gateway';
import { expectedBackupDigest, startNpmV1Simulator, type NpmV1Simulator } from '../../../simulators/riverbed-npm-v1';
import { expectedNpmV2Digest, startNpmV2Simulator, type NpmV2Simulator } from '../../../simulators/riverbed-npm-v2';
import { DEFAULT_STORWARE_ENTITIES, startStorwareSimulator, type StorwareSimulator } from '../../../simulators/storware';
import { tarFileDigests } from '../support/ssh-devices';
import { conformanceType, SIZE_FAULTS, type AnyConformanceType, type CaseRuns, type ConformanceEnv, type FaultCase, type FaultName } from './contract';

/**
 * THE conformance table: one row per device type. A new type joins the suite with one row here
 * (its simulator, how to check what it served and restored, the faults its protocol allows).
 */

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Throws unless the simulator answered `count` (or more) requests with `status`. */
function answered(requests: ReadonlyArray<{ status: number }>, status: number, count = 1): void {
  expect(requests.filter((r) => r.status === status).length, `requests answered ${status}`).toBeGreaterThanOrEqual(count);
}
/** Throws unless the restore's polls found the device unreachable (the reboot, the services down) at least once. */
const rodeOutTheOutage = (_device: unknown, { restore }: CaseRuns) => expect(restore?.state?.poll?.unreachablePolls ?? 0).toBeGreaterThan(0);

/** Throws unless the throttled backup took at least most of the two seconds its throttle asks for (slower is fine). */
const throttled = (_device: unknown, { backup }: CaseRuns) => expect(backup.durationMs).toBeGreaterThanOrEqual(1500);

/** Every restore of a rebooting device is refused this many connections; `down-during-restore` more. */
const rebootRefusals = (fault: string | undefined) => (fault === 'down-during-restore' ? 6 : 1);

/**
 * The SSH side of a case (landing host, console): the file's real sshd, or, for the faults of the
 * download's bytes, which sshd cannot be made to commit, the in-process SFTP server with its read
 * faults, serving `dir` (made below its root) as the device's directory.
 */
interface SshSide {
  host: string;
  port: number;
  hostKey: string;
  username: string;
  privateKey: string;
  /** The landing host's `/` on this machine, for a simulator that writes files: absent for sshd (`/`). */
  root?: string;
  /** The directory for the device's files, as the SSH side names it. */
  dir: string;
  /** Read faults: live on the in-process server; an inert object for sshd. */
  faults: SftpReadFaults;
  close(): Promise<void>;
}

async function sshSide({ sshd, work }: ConformanceEnv, fault: FaultName | undefined, dir: string): Promise<SshSide> {
  if (!fault || !SIZE_FAULTS.includes(fault)) {
    const local = await mkdtemp(join(work, `${basename(dir)}-`));
    const hostKey = fault === 'host-key-changed' ? sshd.otherFingerprint : sshd.hostKeyFingerprint;
    return { host: sshd.host, port: sshd.port, hostKey, username: sshd.username, privateKey: sshd.clientPrivateKey, dir: local, faults: {}, close: async () => undefined };
  }
  const root = await mkdtemp(join(work, 'sftp-root-'));
  await mkdir(join(root, dir), { recursive: true });
  const server = await startSftpServer({ root });
  return {
    host: server.host,
    port: server.port,
    hostKey: server.hostKeyFingerprint,
    username: server.username,
    privateKey: server.clientPrivateKey,
    root: server.root,
    dir,
    faults: server.faults,
    close: () => server.close(),
  };
}

/** A simulator with the SSH side it writes to. */
interface WithSsh<S> {
  device: S;
  ssh: SshSide;
}

/** What the two Riverbed token APIs' simulators share: their faults and their request log. */
interface RiverbedHttpSim {
  faults: { revokeTokensAfterRequests?: number; resetDownloadAtByte?: number; truncateDownloadAtByte?: number; serverErrors?: { count: number; status?: number }; bytesPerSecond?: number };
  requests(): ReadonlyArray<{ status: number }>;
}

/** The faults npm.backup 1.0 and 2.0 meet alike over HTTP (token login, file download). */
function riverbedHttpFaults<S extends RiverbedHttpSim>(): Partial<Record<FaultName, FaultCase<S>>> {
  return {
    // A token revoked mid-run: a fresh login, and on.
    'unauthorized-mid-run': {
      phase: 'backup',
      arm: ({ sim }) => void (sim.faults.revokeTokensAfterRequests = 2),
      outcome: { archived: true },
      bit: ({ sim }) => answered(sim.requests(), 401),
    },
    // The same cut on every try, 4 KiB before the end (past the first part of a large backup):
    // retried, then a clear failure; the multipart upload is aborted.
    'reset-mid-download': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.faults.resetDownloadAtByte = size - 4096), outcome: { failed: 'DeviceUnreachable' } },
    // A clean early end (no Content-Length): the size check refuses it, in the multipart path too.
    'truncated-body': {
      phase: 'backup',
      arm: ({ sim }, { size }) => void (sim.faults.truncateDownloadAtByte = size - 4096),
      outcome: { failed: 'IntegrityError', message: /ended early: expected \d+ bytes, received \d+/ },
    },
    'server-error-burst': {
      phase: 'backup',
      arm: ({ sim }) => void (sim.faults.serverErrors = { count: 3 }),
      outcome: { archived: true },
      bit: ({ sim }) => answered(sim.requests(), 503, 3),
    },
    // About two seconds for the whole backup, whatever its size.
    'slow-stream': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.faults.bytesPerSecond = Math.ceil(size / 2)), outcome: { archived: true }, bit: throttled },
  };
}

export const CONFORMANCE_TYPES: AnyConformanceType[] = [
  conformanceType<NpmV1Simulator>({
    type: 'riverbed-npm-v1',
    ssh: false,
    downloads: true,
    async start(_env, { size, fault }) {
      const sim = await startNpmV1Simulator({
        tls: true,
        backupSize: size,
        backupDurationMs: 50,
        uploadProcessingMs: 50,
        rebootMs: 100,
        rebootRefusals: rebootRefusals(fault),
        seed: 101,
      });
      return {
        sim,
        config: { type: 'riverbed-npm-v1', url: sim.url, secret: 'conformance/npm-v1', tls: { fingerprint256: sim.fingerprint256 } },
        secrets: { 'conformance/npm-v1': { username: 'admin', password: 'admin' } },
        close: () => sim.close(),
      };
    },
    checkServed({ sim }, run, bytes) {
      const served = expectedBackupDigest(sim.seed, run.deviceBackupId!, bytes.length);
      expect(sha256(bytes)).toBe(served.sha256);
      expect(sim.requests().some((r) => r.path.endsWith(`/backups/items/${run.deviceBackupId}/file`) && (r.status === 200 || r.status === 206))).toBe(true);
    },
    checkRestored({ sim }, run) {
      expect(sim.uploads().at(-1)).toMatchObject({ size: run.size, sha256: run.sha256, complete: true });
      expect(sim.restores().at(-1)).toMatchObject({ backupId: sim.uploads().at(-1)!.backupId, status: 'completed' });
    },
    faults: {
      ...riverbedHttpFaults<NpmV1Simulator>(),
      'empty-file': { phase: 'backup', size: 0, outcome: { failed: 'IntegrityError' } },
      // The reboot refuses six connections in a row: the polls ride it out.
      'down-during-restore': { phase: 'restore', outcome: { restored: true }, bit: rodeOutTheOutage },
    },
  }),

  conformanceType<NpmV2Simulator>({
    type: 'riverbed-npm-v2',
    ssh: true,
    downloads: true,
    async start({ sshd, work }, { size, fault }) {
      const filer = await mkdtemp(join(work, 'filer-'));
      const sim = await startNpmV2Simulator({ tls: true, backupSize: size, backupDurationMs: 100, rebootMs: 100, rebootRefusals: rebootRefusals(fault), seed: 102 });
      return {
        sim,
        config: {
          type: 'riverbed-npm-v2',
          url: sim.url,
          secret: 'conformance/npm-v2',
          tls: { fingerprint256: sim.fingerprint256 },
          // The remote filer (SFTP from the real sshd); the download faults need HTTP: the device's local server.
          server:
            fault && SIZE_FAULTS.includes(fault)
              ? { name: 'local', local: true }
              : {
                  name: 's3-landing',
                  host: sshd.host,
                  port: sshd.port,
                  path: filer,
                  hostKey: fault === 'host-key-changed' ? sshd.otherFingerprint : sshd.hostKeyFingerprint,
                  secret: 'conformance/filer',
                },
          contents: { configOnly: false, modules: [{ module: 'config', options: [] }] },
          restoreServer: 'local',
        },
        secrets: {
          'conformance/npm-v2': { username: 'admin', password: 'admin' },
          'conformance/filer': { username: sshd.username, privateKey: sshd.clientPrivateKey },
        },
        close: () => sim.close(),
      };
    },
    checkServed({ sim }, run, bytes) {
      expect(sha256(bytes)).toBe(expectedNpmV2Digest(sim.seed, run.deviceBackupId!, bytes.length).sha256);
    },
    checkRestored({ sim }) {
      expect(sim.restores().at(-1)).toMatchObject({ status: 'completed' });
      const uploads = sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/upload'));
      expect(uploads.at(-1)?.status).toBe(201);
    },
    faults: {
      ...riverbedHttpFaults<NpmV2Simulator>(),
      // Another backup operation is in progress (409): busy, retried later.
      'device-busy': { phase: 'backup', arm: ({ sim }) => void (sim.faults.busyStarts = 2), outcome: { archived: true }, bit: ({ sim }) => answered(sim.requests(), 409, 2) },
      'empty-file': { phase: 'backup', size: 0, outcome: { failed: 'IntegrityError' } },
      'down-during-restore': { phase: 'restore', outcome: { restored: true }, bit: rodeOutTheOutage },
      'host-key-changed': { phase: 'backup', outcome: { failed: 'HostKeyMismatch', message: /SHA256:/ } },
    },
  }),

  conformanceType<WithSsh<FlowGatewaySimulator>>({
    type: 'riverbed-flow-gateway',
    ssh: true,
    downloads: true,
    async start(env, { size, fault }) {
      const ssh = await sshSide(env, fault, '/srv/landing');
      const device = await startFlowGatewaySimulator({
        tls: true,
        landing: { host: ssh.host, username: ssh.username, password: 'landing-pw', ...(ssh.root ? { root: ssh.root } : {}) },
        backupSize: size,
        backupDurationMs: 100,
        restoreDurationMs: 100,
        // Long enough that this run's first polls surely see the earlier run's end.
        ...(fault === 'stale-status' ? { startDelayMs: 1500 } : {}),
        seed: 103,
      });
      return {
        sim: { device, ssh },
        config: {
          type: 'riverbed-flow-gateway',
          url: device.url,
          secret: 'conformance/fg',
          tls: { fingerprint256: device.fingerprint256 },
          landing: { host: ssh.host, port: ssh.port, path: ssh.dir, hostKey: ssh.hostKey, secret: 'conformance/landing' },
        },
        secrets: {
          'conformance/fg': { username: 'admin', password: 'admin', securityPassword: 'conformance-security' },
          'conformance/landing': { username: ssh.username, password: 'landing-pw', privateKey: ssh.privateKey },
        },
        close: async () => {
          await device.close();
          await ssh.close();
        },
      };
    },
    // The archive is the landed directory as one tar: every member is a file the gateway wrote, byte for byte.
    async checkServed({ sim }, _run, bytes, manifest) {
      const subdir = String(manifest.backup.details.subdir);
      const written = sim.device.backups().find((b) => b.landedSubdir === subdir);
      expect(written, `the gateway wrote ${subdir}`).toBeDefined();
      const top = basename(written!.subdir);
      expect(await tarFileDigests(bytes)).toEqual(Object.fromEntries(Object.entries(written!.files).map(([name, digest]) => [`${top}/${name}`, digest])));
    },
    // The gateway judges the restored directory against the files it wrote.
    checkRestored({ sim }) {
      expect(sim.device.restores().at(-1)).toMatchObject({ status: 'COMPLETED', message: '' });
    },
    faults: {
      // Basic auth: a 401 mid-run means the account changed; nothing to renew, never retried.
      'unauthorized-mid-run': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.device.faults.unauthorizedAfterRequests = 2),
        outcome: { failed: 'AuthenticationFailed', message: /401/ },
      },
      // The landing host drops the connection 4 KiB before the end of the backup file, on every try.
      'reset-mid-download': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.ssh.faults.resetAtOffset = size - 4096), outcome: { failed: 'DeviceUnreachable' } },
      // The backup file reads 4 KiB short of the size the landing host gives for it.
      'truncated-body': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.ssh.faults.eofAtOffset = size - 4096), outcome: { failed: 'IntegrityError' } },
      'server-error-burst': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.device.faults.serverErrors = { count: 3 }),
        outcome: { archived: true },
        bit: ({ sim }) => answered(sim.device.requests(), 503, 3),
      },
      'slow-stream': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.ssh.faults.bytesPerSecond = Math.ceil(size / 2)), outcome: { archived: true }, bit: throttled },
      'device-busy': { phase: 'backup', arm: ({ sim }) => void (sim.device.faults.busyPolls = 2), outcome: { archived: true }, bit: ({ sim }) => expect(sim.device.faults.busyPolls).toBe(0) },
      // An earlier run ended in ERROR; `running` still shows it after this run's POST: not this run's verdict.
      'stale-status': {
        phase: 'backup',
        async arm({ sim }, { backUp }) {
          sim.device.faults.backupFails = 'scp: /landing: No space left on device';
          expect(await backUp()).toMatchObject({ status: 'FAILED', error: 'DeviceOperationFailed' });
          delete sim.device.faults.backupFails;
        },
        outcome: { archived: true },
      },
      'host-key-changed': { phase: 'backup', outcome: { failed: 'HostKeyMismatch', message: /SHA256:/ } },
    },
  }),

  conformanceType<WithSsh<QRadarSimulator>>({
    type: 'qradar',
    ssh: true,
    downloads: true,
    async start(env, { size, fault }) {
      const ssh = await sshSide(env, fault, '/store/backup');
      const device = await startQRadarSimulator({
        token: 'conformance-token',
        backupDirectory: ssh.root ? join(ssh.root, ssh.dir) : ssh.dir,
        ...(ssh.root ? { sshRoot: ssh.root } : {}),
        backupSize: size,
        backupDurationMs: 100,
        restoreDurationMs: 100,
        seed: 104,
      });
      return {
        sim: { device, ssh },
        config: {
          type: 'qradar',
          url: device.url,
          secret: 'conformance/qradar',
          tls: { fingerprint256: device.fingerprint256 },
          backupType: 'CONFIG',
          ssh: { port: ssh.port, hostKey: ssh.hostKey },
        },
        secrets: { 'conformance/qradar': { token: 'conformance-token', sshUsername: ssh.username, sshPrivateKey: ssh.privateKey } },
        close: async () => {
          await device.close();
          await ssh.close();
        },
      };
    },
    checkServed({ sim }, run, bytes) {
      const backup = sim.device.backups().find((b) => String(b.id) === run.deviceBackupId);
      expect(backup?.content_file_path).toBeTruthy();
      expect(sha256(bytes)).toBe(sim.device.writtenFiles()[basename(backup!.content_file_path!)]);
    },
    // The console restores only a file whose bytes are the ones it wrote.
    checkRestored({ sim }) {
      expect(sim.device.restores().at(-1)).toMatchObject({ status: 'SUCCESS' });
    },
    faults: {
      // A SEC token revoked mid-run: nothing to renew, never retried.
      'unauthorized-mid-run': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.device.faults.unauthorizedAfterRequests = 2),
        outcome: { failed: 'AuthenticationFailed', message: /401/ },
      },
      // The console's SSH drops the connection 4 KiB before the end of the file, on every try.
      'reset-mid-download': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.ssh.faults.resetAtOffset = size - 4096), outcome: { failed: 'DeviceUnreachable' } },
      // The file reads 4 KiB short of its size: the transfer's size check refuses it.
      'truncated-body': {
        phase: 'backup',
        arm: ({ sim }, { size }) => void (sim.ssh.faults.eofAtOffset = size - 4096),
        outcome: { failed: 'IntegrityError', message: /ended early: expected \d+ bytes, received \d+/ },
      },
      'server-error-burst': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.device.faults.serverErrors = { count: 3 }),
        outcome: { archived: true },
        bit: ({ sim }) => answered(sim.device.requests(), 503, 3),
      },
      'slow-stream': { phase: 'backup', arm: ({ sim }, { size }) => void (sim.ssh.faults.bytesPerSecond = Math.ceil(size / 2)), outcome: { archived: true }, bit: throttled },
      // 1015: a backup is already running on the console: busy, retried later.
      'device-busy': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.device.faults.conflict = { code: 1015, count: 2 }),
        outcome: { archived: true },
        bit: ({ sim }) => answered(sim.device.requests(), 409, 2),
      },
      'empty-file': { phase: 'backup', size: 0, outcome: { failed: 'IntegrityError' } },
      // All console services stop while the restore runs: the polls ride out the 503s.
      'down-during-restore': {
        phase: 'restore',
        arm: ({ sim }) => void (sim.device.faults.servicesDownDuringRestore = 4),
        outcome: { restored: true },
        bit: (device, runs) => {
          answered(device.sim.device.requests(), 503, 4);
          rodeOutTheOutage(device, runs);
        },
      },
      'host-key-changed': { phase: 'backup', outcome: { failed: 'HostKeyMismatch', message: /SHA256:/ } },
    },
  }),

  conformanceType<StorwareSimulator>({
    type: 'storware',
    ssh: false,
    downloads: false,
    async start() {
      const sim = await startStorwareSimulator({ tls: true, exportDurationMs: 150, storeDurationMs: 50, restoreDurationMs: 150 });
      return {
        sim,
        config: {
          type: 'storware',
          url: sim.url,
          secret: 'conformance/storware',
          tls: { fingerprint256: sim.fingerprint256 },
          protectedEntities: [DEFAULT_STORWARE_ENTITIES[0]!.guid],
          backupType: 'FULL',
          restore: { hypervisor: '7e57a11c-0000-4000-8000-00000000beef' },
        },
        secrets: { 'conformance/storware': { login: 'admin', password: 'vPr0tect' } },
        close: () => sim.close(),
      };
    },
    // Storware keeps the data; the archive is its backup records, exactly as Storware returned them.
    checkServed({ sim }, _run, bytes) {
      const document = JSON.parse(bytes.toString('utf8')) as { entities: Array<{ exportTask: string; backup: { guid: string } }> };
      expect(document.entities.length).toBeGreaterThan(0);
      for (const entry of document.entities) {
        expect(sim.tasks().find((t) => t.guid === entry.exportTask)).toMatchObject({ type: 'EXPORT', state: 'FINISHED', backup: entry.backup.guid });
        expect(entry.backup).toEqual(sim.backups().find((b) => b.guid === entry.backup.guid));
      }
    },
    checkRestored({ sim }) {
      const imports = sim.tasks().filter((t) => t.type === 'IMPORT');
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.every((t) => t.state === 'FINISHED')).toBe(true);
    },
    faults: {
      'unauthorized-mid-run': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.faults.expireSessionsAfterRequests = 3),
        outcome: { archived: true },
        bit: ({ sim }) => answered(sim.requests(), 401),
      },
      'server-error-burst': {
        phase: 'backup',
        arm: ({ sim }) => void (sim.faults.serverErrors = { count: 3 }),
        outcome: { archived: true },
        bit: ({ sim }) => answered(sim.requests(), 503, 3),
      },
    },
  }),
];
