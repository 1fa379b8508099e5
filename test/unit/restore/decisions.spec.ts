import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CatalogBackup } from '../../../lambdas/archive/catalog';
import { typeProblems } from '../../../lambdas/restore/compatibility';
import { pollFailureDecision } from '../../../lambdas/restore/reboot-window';
import { parseSelector, selectBackup } from '../../../lambdas/restore/selector';
import { effectiveTier, parseRestoreHeader, thawDecision, thawDeadline, thawWaitSeconds } from '../../../lambdas/restore/thaw';
import { judgeUploadTime, localRestoreCommand } from '../../../lambdas/restore/upload-time';
import { VerifyingStream } from '../../../lambdas/restore/verifying-stream';
import { restoreProgressOf } from '../../../lambdas/drivers/riverbed-npm-v1/restore-status';

const backup = (key: string, time: string): CatalogBackup => ({ key, time: new Date(time) }) as unknown as CatalogBackup;
// Newest first, as listCatalog returns them.
const BACKUPS = [backup('k3', '2026-11-22T02:00:00Z'), backup('k2', '2026-11-21T02:00:00Z'), backup('k1', '2026-11-20T02:00:00Z')];

describe('backup selection', () => {
  it.each([
    [{ latest: true }, 'k3'],
    [{ key: 'k2' }, 'k2'],
    [{ key: 'k2.manifest.json' }, undefined],
    [{ before: '2026-11-22T02:00:00Z' }, 'k2'], // strictly before: the backup at that instant is not
    [{ before: '2026-11-22T02:00:01Z' }, 'k3'],
    [{ before: '2026-11-21T12:00:00+02:00' }, 'k2'],
  ] as const)('%j picks %s', (selector, expected) => {
    const picked = selectBackup(BACKUPS, selector as never);
    expect('backup' in picked ? picked.backup.key : undefined).toBe(expected);
  });

  it('says why nothing fits', () => {
    expect(selectBackup([], { latest: true })).toEqual({ problem: 'the archive holds no committed backup of this device' });
    expect(selectBackup(BACKUPS, { key: 'nope' })).toMatchObject({ problem: expect.stringContaining('no committed backup has the key nope') });
    expect(selectBackup(BACKUPS, { before: '2026-01-01T00:00:00Z' })).toEqual({ problem: 'no backup was taken before 2026-01-01T00:00:00Z; the oldest is from 2026-11-20T02:00:00Z' });
  });

  it.each([
    [{ latest: true }, { latest: true }],
    [{ key: ' backups/a.tar.gz ' }, { key: 'backups/a.tar.gz' }],
    [{ before: '2026-11-22T06:00:00Z' }, { before: '2026-11-22T06:00:00Z' }],
  ])('parses %j', (options, expected) => expect(parseSelector(options)).toEqual(expected));

  it.each([
    [{}, /exactly one of --latest, --key K or --before ISO \(got none\)/],
    [{ latest: true, key: 'k' }, /got --latest and --key/],
    [{ before: '2026-11-22' }, /not an ISO-8601 instant with an offset/],
    [{ before: '2026-11-22T06:00:00' }, /with an offset/],
    [{ key: '  ' }, /--key needs an object key/],
  ])('refuses %j', (options, message) => expect((parseSelector(options) as { problem: string }).problem).toMatch(message));
});

describe('compatibility: device type', () => {
  it('accepts the same type and refuses another, whatever force says', () => {
    expect(typeProblems({ deviceId: 'a', deviceType: 'riverbed-npm-v1' }, { id: 'b', type: 'riverbed-npm-v1' })).toEqual([]);
    expect(typeProblems({ deviceId: 'a', deviceType: 'riverbed-npm-v1' }, { id: 'sw', type: 'storware' })).toEqual([
      'the backup was made by a, a riverbed-npm-v1 device; sw is a storware: a backup is only restored onto a device of its own type (--force does not change this)',
    ]);
  });

  it.each([
    [{ status: 'completed', last_restore_time: 101 }, { state: 'completed', withErrors: false }],
    [{ status: 'completed_with_errors', last_restore_time: 101, status_message: '2 jobs lost' }, { state: 'completed', withErrors: true, detail: '2 jobs lost' }],
    [{ status: 'failed', last_restore_time: 101, status_message: 'disk full' }, { state: 'failed', reason: 'disk full' }],
    [{ status: 'started', last_restore_time: 50 }, { state: 'running' }],
    // Before the reboot the device still shows the previous restore: not ours, keep waiting.
    [{ status: 'completed', last_restore_time: 100 }, { state: 'running' }],
    [{ status: 'failed', last_restore_time: 90 }, { state: 'running' }],
    [{ status: 'not_run', last_restore_time: 0 }, { state: 'running' }],
  ])('npm.backup 1.0 restore_status %j (the device showed last_restore_time 100 before the request) is %j', (status, expected) => {
    // The runner's own clock (startedAtSeconds) is far off the device's and plays no part when the device's own reading is at hand.
    expect(restoreProgressOf(status, { startedAtSeconds: 5000, deviceBefore: 100, confirmed: true }, 'ar11')).toMatchObject(expected);
  });

  it.each([
    [401, 'completed'],
    [400, 'running'],
  ])('without the device reading, last_restore_time %i after a start at 1000 on the runner clock (600 s skew allowed) is %s', (last, state) => {
    expect(restoreProgressOf({ status: 'completed', last_restore_time: last }, { startedAtSeconds: 1000, deviceBefore: null, confirmed: true }, 'ar11').state).toBe(state);
  });

  it('an unanswered restore request that the device, up again, does not show is a failure, not an endless wait', () => {
    expect(restoreProgressOf({ status: 'completed', last_restore_time: 90 }, { startedAtSeconds: 100, deviceBefore: 100, confirmed: false }, 'ar11')).toMatchObject({ state: 'failed' });
    expect(restoreProgressOf({ status: 'started' }, { startedAtSeconds: 100, deviceBefore: 100, confirmed: false }, 'ar11')).toMatchObject({ state: 'running' });
    expect(() => restoreProgressOf({ status: 'exploded' }, { startedAtSeconds: 100, deviceBefore: 100, confirmed: true }, 'ar11')).toThrow(/ar11: restore_status has unknown status "exploded"/);
  });
});

describe('thaw decision', () => {
  const config = { tier: 'Standard' as const, days: 3 };
  it.each([
    ['STANDARD', undefined, 'none'],
    ['STANDARD_IA', undefined, 'none'],
    ['GLACIER_IR', undefined, 'none'],
    ['GLACIER', undefined, 'request'],
    ['DEEP_ARCHIVE', undefined, 'request'],
    ['GLACIER', { ongoing: true }, 'wait'],
    ['DEEP_ARCHIVE', { ongoing: false, expiry: '2026-11-25T00:00:00.000Z' }, 'ready'],
  ] as const)('%s with restore %j: %s', (storageClass, header, action) => {
    expect(thawDecision(storageClass, header, config).action).toBe(action);
  });

  it('requests the configured tier and days, and uses Standard where DEEP_ARCHIVE has no Expedited', () => {
    expect(thawDecision('GLACIER', undefined, { tier: 'Bulk', days: 5 })).toMatchObject({ action: 'request', tier: 'Bulk', days: 5, reason: expect.stringContaining('5-12 h') });
    expect(thawDecision('DEEP_ARCHIVE', undefined, { tier: 'Expedited', days: 1 })).toMatchObject({ tier: 'Standard', reason: expect.stringContaining('DEEP_ARCHIVE has no Expedited tier') });
    expect(effectiveTier('GLACIER', 'Expedited')).toEqual({ tier: 'Expedited' });
  });

  it('reads the x-amz-restore header', () => {
    expect(parseRestoreHeader('ongoing-request="true"')).toEqual({ ongoing: true });
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"')).toEqual({ ongoing: false, expiry: '2012-12-21T00:00:00.000Z' });
    expect(parseRestoreHeader(undefined)).toBeUndefined();
    expect(parseRestoreHeader('garbage')).toBeUndefined();
  });

  it('waits longer between checks up to an hour, so a 12-hour thaw costs about fifteen checks', () => {
    expect([0, 1, 2, 3, 4].map((n) => thawWaitSeconds(n, 'Standard'))).toEqual([900, 1800, 3600, 3600, 3600]);
    expect(thawWaitSeconds(0, 'Expedited')).toBe(60);
    expect(thawWaitSeconds(0, 'Bulk')).toBe(1800);
    let elapsed = 0;
    let checks = 0;
    while (elapsed < 12 * 3600) elapsed += thawWaitSeconds(checks++, 'Standard');
    expect(checks).toBeLessThanOrEqual(15);
  });

  it('gives up at twice the published upper bound', () => {
    const at = new Date('2026-11-22T00:00:00Z');
    expect(thawDeadline(at, 'DEEP_ARCHIVE', 'Bulk').toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(thawDeadline(at, 'GLACIER', 'Standard').toISOString()).toBe('2026-11-22T10:00:00.000Z');
  });
});

describe('reboot window', () => {
  const base = { rebootWindowMinutes: 10, deadline: '2026-11-22T03:00:00Z' };
  const at = (iso: string) => new Date(iso);

  it.each(['DeviceUnreachable', 'AuthenticationFailed', 'DeviceBusy'])('tolerates %s while the reboot window lasts, counting from the first failure', (name) => {
    const first = pollFailureDecision({ ...base, error: { name, message: 'x' }, now: at('2026-11-22T02:00:00Z'), unreachableSince: undefined });
    expect(first).toMatchObject({ action: 'tolerate', unreachableSince: '2026-11-22T02:00:00.000Z' });
    const later = pollFailureDecision({ ...base, error: { name, message: 'x' }, now: at('2026-11-22T02:09:59Z'), unreachableSince: '2026-11-22T02:00:00.000Z' });
    expect(later).toMatchObject({ action: 'tolerate', unreachableSince: '2026-11-22T02:00:00.000Z' });
  });

  it('gives up when the device stays down longer than the window', () => {
    const decision = pollFailureDecision({ ...base, error: { name: 'DeviceUnreachable', message: 'connection refused' }, now: at('2026-11-22T02:10:01Z'), unreachableSince: '2026-11-22T02:00:00.000Z' });
    expect(decision).toMatchObject({ action: 'give-up', message: expect.stringMatching(/longer than restorePoll\.rebootWindowMinutes \(10\); last error: connection refused/) });
  });

  it('gives up past the overall deadline, and fails at once on errors that are no reboot symptom', () => {
    expect(pollFailureDecision({ ...base, error: { name: 'DeviceUnreachable', message: 'x' }, now: at('2026-11-22T03:00:01Z'), unreachableSince: '2026-11-22T02:59:00Z' }).action).toBe('give-up');
    for (const name of ['DeviceProtocolError', 'TlsVerificationFailed', 'DeviceRejectedRequest']) {
      expect(pollFailureDecision({ ...base, error: { name, message: 'x' }, now: at('2026-11-22T02:00:00Z'), unreachableSince: undefined })).toEqual({ action: 'fail' });
    }
  });
});

describe('VerifyingStream', () => {
  const data = Buffer.alloc(200_000, 7);
  const sha = createHash('sha256').update(data).digest('hex');
  async function through(input: Buffer, expected: { size: number; sha256: string }, chunk = 16_384) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += chunk) chunks.push(input.subarray(i, i + chunk));
    const check = new VerifyingStream({ ...expected, deviceId: 'ar11', what: 's3://b/k' });
    const received: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (received.push(c), cb()) });
    const error = await pipeline(Readable.from(chunks), check, sink).then(() => undefined, (e: Error) => e);
    return { error, received: Buffer.concat(received), check };
  }

  it('passes every byte on when size and SHA-256 match', async () => {
    const { error, received, check } = await through(data, { size: data.length, sha256: sha });
    expect(error).toBeUndefined();
    expect(received.equals(data)).toBe(true);
    expect(check.verified).toBe(true);
  });

  it('holds back the last chunk of a wrong object, so the device never gets it whole', async () => {
    const tampered = Buffer.from(data);
    tampered[tampered.length - 1] = 0;
    const { error, received, check } = await through(tampered, { size: data.length, sha256: sha });
    expect(error).toMatchObject({ name: 'IntegrityError', message: expect.stringMatching(/^ar11: s3:\/\/b\/k does not match its manifest: SHA-256 [0-9a-f]{64}, the manifest records/) });
    expect(received.length).toBeLessThan(data.length);
    expect(check.verified).toBe(false);
  });

  it('fails as soon as more bytes arrive than the manifest records, and when fewer do', async () => {
    expect((await through(Buffer.concat([data, data]), { size: data.length, sha256: sha })).error?.message).toMatch(/more than the 200000 bytes/);
    expect((await through(data.subarray(0, 1000), { size: data.length, sha256: sha })).error?.message).toMatch(/1000 bytes read, the manifest records 200000/);
  });
});

describe('upload time against one UploadToDevice invocation', () => {
  const command = 'npx backup-runner restore ...';
  it.each([
    // 8.4 GB at 10 MB/s is 14 minutes: exactly what 15 minutes less the minute kept back allow.
    [8_400_000_000, 10, 900, true],
    [8_400_000_001, 10, 900, false],
    [1_000_000, 0.001, 900, false],
    [1_000_000_000_000, 1, undefined, true], // local runs: no limit
  ])('%d bytes at %d MB/s, limit %s s: fits %s', (size, megabytesPerSecond, limitSeconds, fits) => {
    expect(judgeUploadTime({ size, megabytesPerSecond, limitSeconds, localCommand: command }).fits).toBe(fits);
  });

  it('names the estimate, the limit and the local command; the command restores the same key, or drills onto another target', () => {
    const verdict = judgeUploadTime({ size: 20e9, megabytesPerSecond: 10, limitSeconds: 900, localCommand: localRestoreCommand('ar11', 'ar11', 'backups/ar11/k.tar.gz') });
    expect(verdict).toEqual({
      fits: false,
      problem:
        'the upload takes about 33.3 min for 20000.0 MB at 10 MB/s (devices[].restoreUpload.megabytesPerSecond), more than one UploadToDevice Lambda invocation may run (15.0 min, 60 s kept back); ' +
        'restore it with the local command from a machine that reaches the device, which has no time limit: npx backup-runner restore --config <config file> --device ar11 --key backups/ar11/k.tar.gz --confirm ar11',
    });
    expect(localRestoreCommand('ar11', 'ar11-standby', 'k')).toBe('npx backup-runner drill --config <config file> --device ar11 --target ar11-standby');
  });
});
