import { describe, expect, it } from 'vitest';
import { transitionProblems, type Transition } from '../../../lambdas/config/archive-storage';
import { parseConfig } from '../../../lambdas/config/load';
import { configIssues } from '../support/config-issues';

const device = { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/ar11-lab' };
const withArchive = (archive: Record<string, unknown>) => ({ archive, devices: [device] });

const t = (days: number, storageClass: Transition['storageClass']): Transition => ({ days, storageClass });

describe('transitionProblems (S3 lifecycle rules, pure)', () => {
  it.each([
    [[], 'no transitions'],
    [[t(0, 'GLACIER_IR')], 'Glacier classes from day 0'],
    [[t(30, 'GLACIER_IR'), t(180, 'DEEP_ARCHIVE')], 'the DESIGN.md sketch'],
    [[t(30, 'STANDARD_IA'), t(60, 'GLACIER_IR'), t(90, 'GLACIER'), t(270, 'DEEP_ARCHIVE')], 'the whole waterfall, 30 days after IA'],
    [[t(30, 'STANDARD_IA'), t(60, 'ONEZONE_IA')], 'STANDARD_IA then ONEZONE_IA'],
    [[t(1, 'INTELLIGENT_TIERING'), t(90, 'GLACIER')], 'INTELLIGENT_TIERING has no 30-day minimum'],
  ])('accepts %j (%s)', (transitions) => {
    expect(transitionProblems(transitions)).toEqual([]);
  });

  it.each([
    [[t(29, 'STANDARD_IA')], ['transitions.0.days: must be at least 30 for STANDARD_IA']],
    [[t(0, 'ONEZONE_IA')], ['transitions.0.days: must be at least 30 for ONEZONE_IA']],
    [[t(180, 'DEEP_ARCHIVE'), t(30, 'GLACIER_IR')], ['transitions.1.days: must be more than transitions[0].days (180)', 'transitions.1.storageClass: GLACIER_IR cannot follow DEEP_ARCHIVE']],
    [[t(30, 'GLACIER_IR'), t(30, 'GLACIER')], ['transitions.1.days: must be more than transitions[0].days (30)']],
    [[t(30, 'GLACIER'), t(90, 'GLACIER_IR')], ['transitions.1.storageClass: GLACIER_IR cannot follow GLACIER']],
    [[t(30, 'GLACIER'), t(90, 'GLACIER')], ['transitions.1.storageClass: GLACIER cannot follow GLACIER']],
    [[t(30, 'STANDARD_IA'), t(45, 'GLACIER')], ['transitions.1.days: must be at least 60: S3 keeps objects 30 days in STANDARD_IA']],
    [[t(10, 'GLACIER_IR'), t(20, 'ONEZONE_IA')], ['transitions.1.days: must be at least 30 for ONEZONE_IA', 'transitions.1.storageClass: ONEZONE_IA cannot follow GLACIER_IR']],
  ])('refuses %j', (transitions, expected) => {
    const problems = transitionProblems(transitions).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((start, i) => expect(problems[i]).toContain(start));
  });
});

describe('archive storage config', () => {
  it('fills the lifecycle defaults and keeps SSE-S3 (no encryption field) by default', () => {
    const config = parseConfig(withArchive({ lifecycle: { transitions: [{ days: 30, storageClass: 'GLACIER_IR' }] } }));
    expect(config.archive.lifecycle).toEqual({ transitions: [{ days: 30, storageClass: 'GLACIER_IR' }], abortIncompleteMultipartUploadDays: 2 });
    expect(config.archive.encryption).toBeUndefined();
    expect(config.archive.objectLock).toBeUndefined();
    expect(config.archive.s3).toBeUndefined();
  });

  it('accepts every option together', () => {
    const archive = {
      lifecycle: {
        transitions: [{ days: 30, storageClass: 'GLACIER_IR' }, { days: 180, storageClass: 'DEEP_ARCHIVE' }],
        objectSizeGreaterThan: 0,
        noncurrentVersionExpirationDays: 90,
        abortIncompleteMultipartUploadDays: 7,
      },
      encryption: { kms: { keyArn: 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } },
      objectLock: { mode: 'COMPLIANCE', days: 30 },
      s3: { endpoint: 'http://127.0.0.1:5000', checksum: 'CRC64NVME' },
    };
    const config = parseConfig(withArchive(archive));
    expect(config.archive).toMatchObject(archive);
    expect(parseConfig(withArchive({ encryption: { kms: { create: true } } })).archive.encryption).toEqual({ kms: { create: true } });
  });

  it.each([
    [{ lifecycle: { transitions: [{ days: 10, storageClass: 'STANDARD_IA' }] } }, /^archive\.lifecycle\.transitions\[0\]\.days: must be at least 30 for STANDARD_IA/],
    [{ lifecycle: { transitions: [{ days: 90, storageClass: 'GLACIER' }, { days: 30, storageClass: 'DEEP_ARCHIVE' }] } }, /^archive\.lifecycle\.transitions\[1\]\.days: must be more than transitions\[0\]\.days \(90\): list transitions in the order they happen/],
    [{ lifecycle: { transitions: [{ days: 30, storageClass: 'DEEP_ARCHIVE' }, { days: 90, storageClass: 'GLACIER' }] } }, /^archive\.lifecycle\.transitions\[1\]\.storageClass: GLACIER cannot follow DEEP_ARCHIVE: S3 only moves objects on in the order STANDARD_IA -> INTELLIGENT_TIERING -> ONEZONE_IA -> GLACIER_IR -> GLACIER -> DEEP_ARCHIVE/],
    [{ lifecycle: { transitions: [{ days: 30, storageClass: 'COLD' }] } }, /^archive\.lifecycle\.transitions\[0\]\.storageClass: must be one of STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE/],
    [{ lifecycle: { transitions: [{ days: 1.5, storageClass: 'GLACIER' }] } }, /^archive\.lifecycle\.transitions\[0\]\.days: must be a whole number of days/],
    [{ lifecycle: { objectSizeGreaterThan: -1 } }, /^archive\.lifecycle\.objectSizeGreaterThan: must be 0 or more bytes/],
    [{ lifecycle: { noncurrentVersionExpirationDays: 0 } }, /^archive\.lifecycle\.noncurrentVersionExpirationDays: must be at least 1 day/],
    [{ lifecycle: { abortIncompleteMultipartUploadDays: 0 } }, /^archive\.lifecycle\.abortIncompleteMultipartUploadDays: must be at least 1 day/],
    [{ lifecycle: { expireAfterDays: 3 } }, /^archive\.lifecycle: unknown field "expireAfterDays"/],
    [{ encryption: { kms: { keyArn: 'alias/backups' } } }, /^archive\.encryption\.kms\.keyArn: must be the ARN of a KMS key, arn:aws:kms:REGION:ACCOUNT:key\/KEY-ID \(not an alias/],
    [{ encryption: { kms: {} } }, /^archive\.encryption\.kms: must be \{ keyArn: "arn:aws:kms:REGION:ACCOUNT:key\/KEY-ID" \} or \{ create: true \}/],
    [{ encryption: { kms: { create: false } } }, /^archive\.encryption\.kms: must be \{ keyArn/],
    [{ encryption: { kms: { create: true }, sse: 'aws:kms' } }, /^archive\.encryption: unknown field "sse"/],
    [{ objectLock: { mode: 'LEGAL', days: 30 } }, /^archive\.objectLock\.mode: must be GOVERNANCE \(privileged users may lift it\) or COMPLIANCE/],
    [{ objectLock: { mode: 'GOVERNANCE', days: 0 } }, /^archive\.objectLock\.days: must be at least 1 day/],
    [{ objectLock: { mode: 'GOVERNANCE', days: 40_000 } }, /^archive\.objectLock\.days: must be at most 36500 days/],
    [{ s3: { checksum: 'MD5' } }, /^archive\.s3\.checksum: must be CRC64NVME, CRC32C or none/],
  ])('refuses %j, naming the field and what is allowed', (archive, message) => {
    const issues = configIssues(withArchive(archive));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(message);
  });
});
