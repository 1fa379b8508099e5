import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ArchiveBucket } from '../../infra/constructs/archive-bucket';
import { fleetConfig, synth } from './fixtures';

describe('archive bucket', () => {
  const { template } = synth(fleetConfig());

  it('is private, encrypted, versioned and named from the config', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
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
