import { describe, expect, it } from 'vitest';
import { contentChunks, contentDigest, contentStream } from '../../../simulators/common/content';
import { decideRange } from '../../../simulators/common/range';
import { parseByteSize } from '../../../simulators/common/size';
import { generateSelfSignedCertificate } from '../../../simulators/common/tls';
import { backupStatus, backupView, lastRestoreTime, restoreStatusView, TokenStore, type BackupEntry } from '../../../simulators/riverbed-npm-v1/state';

describe('content generator', () => {
  const spec = { seed: 5, id: '42', size: 100_003 };
  const full = Buffer.concat([...contentChunks(spec)]);

  it('produces exactly size bytes, the same each time, whatever the chunk size', () => {
    expect(full.length).toBe(spec.size);
    expect(Buffer.concat([...contentChunks(spec, 0, spec.size, 1000)]).equals(full)).toBe(true);
    expect(contentDigest(spec)).toEqual({ size: spec.size, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it.each([1, 15, 16, 17, 4095, 65_537, 100_002])('serves any suffix from offset %i identical to the full file', (start) => {
    expect(Buffer.concat([...contentChunks(spec, start, spec.size, 777)]).equals(full.subarray(start))).toBe(true);
  });

  it('serves inner ranges and refuses ranges outside the file', () => {
    expect(Buffer.concat([...contentChunks(spec, 33, 71)]).equals(full.subarray(33, 71))).toBe(true);
    expect(() => [...contentChunks(spec, 0, spec.size + 1)]).toThrow(/outside the file 42/);
  });

  it('is not trivially repetitive and depends on seed and id', () => {
    expect(full.subarray(0, 16).equals(full.subarray(16, 32))).toBe(false);
    const other = Buffer.concat([...contentChunks({ ...spec, seed: 6 })]);
    expect(other.equals(full)).toBe(false);
  });

  it('streams the same bytes', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of contentStream(spec, 10) as AsyncIterable<Buffer>) chunks.push(chunk);
    const streamed = Buffer.concat(chunks);
    expect(streamed.equals(full.subarray(10))).toBe(true);
  });
});

describe('decideRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-', { kind: 'partial', start: 0, end: 1000 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 1000 }],
    ['bytes=10-19', { kind: 'partial', start: 10, end: 20 }],
    ['bytes=10-5000', { kind: 'partial', start: 10, end: 1000 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 1000 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=20-10', { kind: 'full' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-', { kind: 'full' }],
  ] as const)('%s on 1000 bytes -> %o', (header, expected) => {
    expect(decideRange(header, 1000)).toEqual(expected);
  });
});

describe('parseByteSize', () => {
  it.each([
    ['1000', 1000],
    ['10MiB', 10 * 1024 ** 2],
    ['4 GiB', 4 * 1024 ** 3],
    ['1.5GB', 1_500_000_000],
    ['512k', 512 * 1024],
  ])('%s -> %i', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it('names the bad value', () => {
    expect(() => parseByteSize('ten megs')).toThrow(/invalid size "ten megs"/);
    expect(() => parseByteSize('10XB')).toThrow(/invalid size/);
  });
});

describe('self-signed certificate', () => {
  it('reports the SHA-256 fingerprint of the certificate in AB:CD form', async () => {
    const { X509Certificate } = await import('node:crypto');
    const cert = await generateSelfSignedCertificate();
    const x509 = new X509Certificate(cert.cert);
    expect(cert.fingerprint256).toBe(x509.fingerprint256);
    expect(cert.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.key).toMatch(/BEGIN PRIVATE KEY/);
  });
});

describe('npm.backup 1.0 state rules', () => {
  const device = { hostname: 'ar11', model: 'M', serial: 'S', swVersion: '11.13.0' };
  const generated: BackupEntry = { id: '1', description: 'd', origin: 'generated', createdAt: 1000, backupTime: 1, readyAt: 2000, size: 10, fails: false };

  it('moves a backup from started to completed, or failed, at readyAt', () => {
    expect(backupStatus(generated, 1999)).toBe('started');
    expect(backupStatus(generated, 2000)).toBe('completed');
    expect(backupStatus({ ...generated, fails: true }, 2000)).toBe('failed');
    expect(backupStatus({ ...generated, origin: 'uploaded', readyAt: Infinity }, 1e15)).toBe('uploading');
  });

  it('shows the size only once known and a status_message on failure', () => {
    expect(backupView(generated, device, 1500)).not.toHaveProperty('size');
    expect(backupView(generated, device, 2500)).toMatchObject({ size: 10, status: 'completed', sw_version: '11.13.0' });
    expect(backupView({ ...generated, fails: true }, device, 2500).status_message).toMatch(/Backup 1 failed on ar11/);
  });

  it("reports last_restore_time on the device's own clock, after its own time of the request, however short the reboot", () => {
    expect(lastRestoreTime({ backupId: '1', startedAt: 1_000_900, rebootUntil: 1_000_950 }, 0)).toBe(1001);
    expect(lastRestoreTime({ backupId: '1', startedAt: 1_000_000, rebootUntil: 1_005_500 }, 0)).toBe(1005);
    expect(lastRestoreTime({ backupId: '1', startedAt: 1_000_000, rebootUntil: 1_005_500 }, -120_000)).toBe(885);
    const restore = { backupId: '1', startedAt: 1_000_000, rebootUntil: 1_002_000 };
    expect(restoreStatusView(undefined, undefined, 0, 0)).toMatchObject({ status: 'not_run', last_restore_time: 0 });
    expect(restoreStatusView(restore, undefined, 1_001_000, 0)).toMatchObject({ status: 'started', last_restore_time: 0 });
    expect(restoreStatusView(restore, undefined, 1_002_000, 0)).toMatchObject({ status: 'completed', last_restore_time: 1002 });
  });

  it('expires and revokes tokens', () => {
    const store = new TokenStore(900);
    const { token, expiresAt } = store.issue(0);
    expect(expiresAt).toBe(900_000);
    expect(store.isValid(token, 899_999)).toBe(true);
    expect(store.isValid(token, 900_000)).toBe(false);
    const other = store.issue(0).token;
    store.revokeAll();
    expect(store.isValid(other, 1)).toBe(false);
  });
});
