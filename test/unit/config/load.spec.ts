import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDevice, loadConfigFile, parseConfig } from '../../../lambdas/config/load';
import { configIssues } from '../support/config-issues';

const device = { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net/', secret: 'backup-runner/ar11-lab' };

describe('parseConfig', () => {
  it('accepts the DESIGN.md sketch and fills defaults', () => {
    const config = parseConfig({
      archive: {
        bucket: 'acme-appliance-backups',
        prefix: 'backups/',
        retention: { keepLast: 7, keepDaily: 14, keepWeekly: 8, keepMonthly: 12, keepYearly: 3 },
        lifecycle: { transitions: [{ days: 30, storageClass: 'GLACIER_IR' }, { days: 180, storageClass: 'DEEP_ARCHIVE' }] },
        objectLock: { mode: 'GOVERNANCE', days: 30 },
        s3: { endpoint: 'http://127.0.0.1:4568', forcePathStyle: true },
      },
      devices: [
        {
          ...device,
          tls: { fingerprint256: 'ab'.repeat(32) },
          schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'Europe/Budapest' },
          retry: { attempts: 3, delayMinutes: 10 },
        },
      ],
    });
    const [d] = config.devices;
    expect(d?.url).toBe('https://ar11.example.net');
    expect(d?.tls).toEqual({ fingerprint256: Array(32).fill('AB').join(':') });
    expect(d?.poll).toEqual({ intervalSeconds: 15, maxIntervalSeconds: 300, timeoutMinutes: 240 });
    expect(d?.timeouts).toEqual({ connectSeconds: 10, idleSeconds: 120 });
    expect(config.workflow.timeoutHours).toBe(12);
    expect(config.archive.s3?.region).toBe('us-east-1');
  });

  it.each([
    [{ archive: {}, devices: [{ ...device, id: 'AR_11' }] }, /^devices\[0\]\.id: must be 1-40 characters of a-z, 0-9 and "-"/],
    [{ archive: {}, devices: [{ ...device, type: 'fortigate' }] }, /^devices\[0\]\.type: must be one of "riverbed-npm-v1"/],
    [{ archive: {}, devices: [{ ...device, url: 'ftp://x' }] }, /^devices\[0\]\.url: must be an http:\/\/ or https:\/\/ URL/],
    [{ archive: {}, devices: [{ ...device, tls: { fingerprint256: 'zz' } }] }, /^devices\[0\]\.tls\.fingerprint256: must be a SHA-256 certificate fingerprint/],
    [{ archive: {}, devices: [{ ...device, tls: { insecure: true } }] }, /^devices\[0\]\.tls: must be one of \{ fingerprint256/],
    [{ archive: {}, devices: [{ ...device, pasword: 'x' }] }, /^devices\[0\]: unknown field "pasword"/],
    [{ archive: { prefix: 'backups' }, devices: [device] }, /^archive\.prefix: must be empty or end with "\/"/],
    [{ archive: { bucket: 'Bad_Bucket' }, devices: [device] }, /^archive\.bucket: must be a valid S3 bucket name/],
    [{ archive: {}, devices: [] }, /^devices: must list at least one device/],
    [{ archive: {}, devices: [device, device] }, /^devices\[1\]\.id: duplicates devices\[0\]\.id "ar11-lab"/],
    [{ archive: {}, devices: [{ ...device, secret: undefined }] }, /^devices\[0\]\.secret: is required/],
    [{ archive: { retention: { keepLast: 0 } }, devices: [device] }, /^archive\.retention\.keepLast: keepLast must be at least 1/],
    [{ devices: [device] }, /^archive: is required/],
    [{ archive: {}, devices: [{ ...device, poll: { intervalSeconds: 60, maxIntervalSeconds: 10 } }] }, /^devices\[0\]\.poll\.maxIntervalSeconds: must be at least poll\.intervalSeconds/],
  ])('names the field and what is allowed (%#)', (raw, expected) => {
    expect(configIssues(raw).join('\n')).toMatch(expected);
  });

  it('reports every bad field at once', () => {
    const issues = configIssues({ archive: { prefix: 'x' }, devices: [{ ...device, id: 'A', url: 'nope' }] });
    expect(issues).toHaveLength(3);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-test-'));

  it('reads YAML and reads caFile relative to the config into caPem', () => {
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(
      join(dir, 'c.yaml'),
      `archive: { prefix: backups/ }\ndevices:\n  - { id: a1, type: riverbed-npm-v1, url: "https://a1", secret: backup-runner/s, tls: { caFile: ca.pem } }\n`,
    );
    const config = loadConfigFile(join(dir, 'c.yaml'));
    expect(config.devices[0]?.tls).toEqual({ caPem: expect.stringContaining('BEGIN CERTIFICATE') });
  });

  it('reads JSON', () => {
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ archive: {}, devices: [device] }));
    expect(loadConfigFile(join(dir, 'c.json')).devices[0]?.id).toBe('ar11-lab');
  });

  it('names a missing CA file with its field path', () => {
    writeFileSync(join(dir, 'bad-ca.yaml'), `archive: {}\ndevices:\n  - { id: a1, type: riverbed-npm-v1, url: "https://a1", secret: backup-runner/s, tls: { caFile: missing.pem } }\n`);
    expect(() => loadConfigFile(join(dir, 'bad-ca.yaml'))).toThrow(/devices\[0\]\.tls\.caFile: cannot use .*missing\.pem/);
  });

  it('says when the file cannot be read or parsed', () => {
    expect(() => loadConfigFile(join(dir, 'nope.yaml'))).toThrow(/cannot read config file .*nope\.yaml/);
    writeFileSync(join(dir, 'broken.yaml'), 'archive: [\n');
    expect(() => loadConfigFile(join(dir, 'broken.yaml'))).toThrow(/is not valid YAML/);
  });

  it('says an empty file (or one of comments only) is empty, and what it needs', () => {
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(() => loadConfigFile(join(dir, 'empty.yaml'))).toThrow(/config file .*empty\.yaml is empty: it needs at least "archive" and "devices"/);
    writeFileSync(join(dir, 'comments.yaml'), '# nothing yet\n');
    expect(() => loadConfigFile(join(dir, 'comments.yaml'))).toThrow(/holds no settings \(only comments\?\): it needs at least "archive" and "devices"/);
  });

  it('reads a .json file strictly as JSON: a trailing comma is an error with its position, not lenient YAML', () => {
    const text = `{"archive": {}, "devices": [${JSON.stringify(device)}],}`;
    writeFileSync(join(dir, 'comma.json'), text);
    expect(() => loadConfigFile(join(dir, 'comma.json'))).toThrow(/comma\.json is not valid JSON: .*position/);
    writeFileSync(join(dir, 'comma.yaml'), text);
    expect(loadConfigFile(join(dir, 'comma.yaml')).devices[0]?.id).toBe('ar11-lab');
  });

  it('suggests the field a misspelled key probably meant, and lists the fields when nothing is close', () => {
    expect(() => parseConfig({ archive: { prefx: 'b/' }, devices: [device] })).toThrow(/archive: unknown field "prefx" \(did you mean "prefix"\?\); see docs\/config\.md/);
    expect(() => parseConfig({ archive: {}, devices: [{ ...device, tsl: { caFile: 'x' } }] })).toThrow(/devices\[0\]: unknown field "tsl" \(did you mean "tls"\?\)/);
    expect(() => parseConfig({ archive: {}, devices: [device], schedular: {} })).toThrow(/\(top level\): unknown field "schedular" \(did you mean "scheduler"\?\)/);
    expect(() => parseConfig({ archive: { zzz: 1 }, devices: [device] })).toThrow(/archive: unknown field "zzz"; fields here: bucket, prefix, .*\(docs\/config\.md\)/);
  });

  it('findDevice suggests a close id', () => {
    const config = parseConfig({ archive: {}, devices: [device] });
    expect(() => findDevice(config, 'ar11-lba')).toThrow('no device "ar11-lba" in the config (did you mean "ar11-lab"?); known devices: ar11-lab');
  });

  it('findDevice lists the known ids for an unknown one', () => {
    const config = parseConfig({ archive: {}, devices: [device] });
    expect(() => findDevice(config, 'ar12')).toThrow('no device "ar12" in the config; known devices: ar11-lab');
  });
});
