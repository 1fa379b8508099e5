import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ArchiveBucket } from '../../infra/constructs/archive-bucket';
import { logicalIdContaining, roleOf, roleStatements, type Resources } from './cfn';
import { fleetConfig, synth } from './fixtures';

describe('archive bucket', () => {
  const { template } = synth(fleetConfig());

  it('is private, encrypted, versioned and named from the config', () => {
    // The archive and the target of its server access logs (AccessLogsBucket).
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'archive/' },
      BucketName: 'acme-appliance-backups',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('aborts incomplete multipart uploads after 2 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Status: 'Enabled' })]),
      },
    });
  });

  it('is kept when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets CloudFormation name the bucket when the config names none', () => {
    const { template: unnamed } = synth(fleetConfig({ archive: { bucket: undefined } }));
    unnamed.hasResourceProperties('AWS::S3::Bucket', { BucketName: Match.absent() });
  });

  it('rejects a prefix that does not end with "/", naming the prop', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new ArchiveBucket(stack, 'Archive', { prefix: 'backups' })).toThrow(/prefix "backups" must be empty or end with "\/"/);
  });

  it('rejects a non-positive abort period, naming the prop', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new ArchiveBucket(stack, 'Archive', { abortIncompleteMultipartUploadDays: 0 })).toThrow(/abortIncompleteMultipartUploadDays/);
  });

  it('uses the given abort period', () => {
    const stack = new Stack(new App(), 'Test');
    new ArchiveBucket(stack, 'Archive', { abortIncompleteMultipartUploadDays: 5 });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 5 } })]) },
    });
  });
});

describe('archive bucket storage options from the config', () => {
  const rulesOf = (template: Template) => {
    const buckets = template.findResources('AWS::S3::Bucket');
    const bucket = buckets[logicalIdContaining(buckets as Resources, 'AWS::S3::Bucket', 'Archive')] as { Properties: { LifecycleConfiguration: { Rules: Record<string, unknown>[] } } };
    return bucket.Properties.LifecycleConfiguration.Rules;
  };
  /** KMS keys other than the alerts topic's (infra/constructs/monitoring.ts). */
  const archiveKeys = (template: Template) => Object.keys(template.findResources('AWS::KMS::Key')).filter((id) => !id.startsWith('MonitoringAlerts'));
  const KEY_ARN = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('without options: SSE-S3, no Object Lock, only the multipart and runner-state clean-up rules, no KMS key', () => {
    const { template } = synth(fleetConfig());
    expect(rulesOf(template)).toEqual([
      { Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Status: 'Enabled' },
      { Id: 'runner-state-old-versions', Prefix: '_backup-runner/', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
    ]);
    template.hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: Match.absent(), ObjectLockConfiguration: Match.absent() });
    expect(archiveKeys(template)).toEqual([]);
  });

  it('transitions only objects tagged as backups (so manifests stay readable at once), with S3\'s 128 KiB minimum stated', () => {
    const { template } = synth(
      fleetConfig({
        archive: {
          lifecycle: {
            transitions: [
              { days: 30, storageClass: 'GLACIER_IR' },
              { days: 90, storageClass: 'GLACIER' },
              { days: 180, storageClass: 'DEEP_ARCHIVE' },
            ],
          },
        },
      }),
    );
    const transition = rulesOf(template).find((r) => r.Id === 'backup-objects-to-colder-storage');
    expect(transition).toEqual({
      Id: 'backup-objects-to-colder-storage',
      Status: 'Enabled',
      TagFilters: [{ Key: 'backup-runner:kind', Value: 'backup' }],
      Transitions: [
        { StorageClass: 'GLACIER_IR', TransitionInDays: 30 },
        { StorageClass: 'GLACIER', TransitionInDays: 90 },
        { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
      ],
    });
    // No rule without the tag filter moves anything: manifests (never tagged) stay in STANDARD.
    expect(rulesOf(template).filter((r) => r.Transitions || r.TransitionInDays || r.Transition)).toEqual([transition]);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K', Rules: Match.anyValue() },
    });
  });

  it('uses the configured size floor, noncurrent expiry (with expired delete markers) and multipart abort period', () => {
    const { template } = synth(
      fleetConfig({
        archive: {
          lifecycle: {
            transitions: [{ days: 30, storageClass: 'STANDARD_IA' }, { days: 60, storageClass: 'ONEZONE_IA' }],
            objectSizeGreaterThan: 0,
            noncurrentVersionExpirationDays: 45,
            abortIncompleteMultipartUploadDays: 4,
          },
        },
      }),
    );
    const rules = rulesOf(template);
    expect(rules.find((r) => r.Id === 'abort-incomplete-multipart-uploads')).toMatchObject({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 4 } });
    expect(rules.find((r) => r.Id === 'backup-objects-to-colder-storage')).toMatchObject({
      ObjectSizeGreaterThan: 0,
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'ONEZONE_IA', TransitionInDays: 60 },
      ],
    });
    expect(rules.find((r) => r.Id === 'expire-noncurrent-versions')).toEqual({
      Id: 'expire-noncurrent-versions',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 45 },
      ExpiredObjectDeleteMarker: true,
    });
  });

  it('creates a rotating, retained customer-managed key, encrypts with it with a bucket key, and lets transfer encrypt and prune decrypt', () => {
    const { template } = synth(fleetConfig({ archive: { encryption: { kms: { create: true } } } }));
    expect(archiveKeys(template)).toHaveLength(1);
    template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true, Description: Match.stringLikeRegexp('archive') }), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const resources = template.toJSON().Resources as Resources;
    const keyId = logicalIdContaining(resources, 'AWS::KMS::Key', 'Archive');
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
        ],
      },
    });
    const kmsOf = (state: string) =>
      roleStatements(resources, roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', `${state}Function`)]!)).filter((s) =>
        s.Action.some((a) => a.startsWith('kms:')),
      );
    expect(kmsOf('TransferToArchive')).toEqual([{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [`\${${keyId}.Arn}`] }]);
    expect(kmsOf('PruneArchive')).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [`\${${keyId}.Arn}`] }]);
    for (const state of ['StartBackup', 'PollBackup', 'DeleteDeviceCopy']) expect(kmsOf(state)).toEqual([]);
  });

  it('uses an imported key by its ARN, creating none, and grants on exactly that key', () => {
    const { template } = synth(fleetConfig({ archive: { encryption: { kms: { keyArn: KEY_ARN } } } }));
    expect(archiveKeys(template)).toEqual([]);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } }] },
    });
    const resources = template.toJSON().Resources as Resources;
    const transfer = roleStatements(resources, roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', 'TransferToArchiveFunction')]!));
    expect(transfer.filter((s) => s.Action.some((a) => a.startsWith('kms:')))).toEqual([
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [KEY_ARN] },
    ]);
  });

  it.each([
    ['GOVERNANCE', 30],
    ['COMPLIANCE', 365],
  ] as const)('turns on Object Lock with a default %s retention of %i days (versioning stays on)', (mode, days) => {
    const { template } = synth(fleetConfig({ archive: { objectLock: { mode, days } } }));
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: mode, Days: days } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('refuses transitions S3 would refuse, naming the prop', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new ArchiveBucket(stack, 'Archive', { transitions: [{ days: 10, storageClass: 'STANDARD_IA' }] })).toThrow(
      /ArchiveBucket Test\/Archive: transitions\[0\]\.days must be at least 30 for STANDARD_IA/,
    );
    expect(() => new ArchiveBucket(new Stack(new App(), 'T2'), 'Archive', { transitions: [{ days: 90, storageClass: 'DEEP_ARCHIVE' }, { days: 120, storageClass: 'GLACIER' }] })).toThrow(
      /transitions\[1\]\.storageClass GLACIER cannot follow DEEP_ARCHIVE/,
    );
  });

  it.each([
    [{ noncurrentVersionExpirationDays: 0 }, /noncurrentVersionExpirationDays must be a whole number of at least 1, got 0/],
    [{ transitionObjectSizeGreaterThan: -5 }, /transitionObjectSizeGreaterThan must be a whole number of bytes, 0 or more, got -5/],
    [{ objectLock: { mode: 'GOVERNANCE', days: 0 } }, /objectLock\.days must be a whole number from 1 to 36500, got 0/],
  ] as const)('refuses %j, naming the prop', (props, message) => {
    expect(() => new ArchiveBucket(new Stack(new App(), 'Test'), 'Archive', props)).toThrow(message);
  });
});
