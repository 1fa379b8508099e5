import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AccessLogsBucketProps {
  /**
   * Days S3 server access logs are kept.
   * @default 365
   */
  readonly expirationDays?: number;
}

/**
 * The target of the archive bucket's S3 server access logs: who read, wrote or deleted which
 * backup, kept a year. SSE-S3 because S3 log delivery cannot write into an SSE-KMS bucket;
 * bucket-owner-enforced, so the delivered logs belong to this account.
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    const days = props.expirationDays ?? 365;
    if (!Number.isInteger(days) || days < 1) throw new Error(`AccessLogsBucket ${this.node.path}: expirationDays must be a whole number of at least 1, got ${days}`);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(days), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // The logs are evidence about the archive: kept when the stack goes, like the archive.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop, and another log bucket would only move the question',
    });
  }
}
