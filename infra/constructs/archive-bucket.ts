import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ArchiveBucketProps {
  /**
   * Physical bucket name (config `archive.bucket`).
   * @default - CloudFormation generates a unique name
   */
  readonly bucketName?: string;

  /**
   * Key prefix under which backups are written (config `archive.prefix`): empty or ending in "/".
   * Write grants are scoped to it.
   * @default 'backups/'
   */
  readonly prefix?: string;

  /**
   * Days after which an unfinished multipart upload (an interrupted transfer) is aborted and its
   * parts deleted, so failed runs do not leave invisible billed storage behind.
   * @default 2
   */
  readonly abortIncompleteMultipartUploadDays?: number;
}

/**
 * The S3 bucket that holds the backups: private, TLS only, encrypted, versioned, and kept when
 * the stack is deleted (the archive outlives the runner).
 */
export class ArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** Key prefix of every backup object. */
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps = {}) {
    super(scope, id);
    const prefix = props.prefix ?? 'backups/';
    if (prefix !== '' && !prefix.endsWith('/')) {
      throw new Error(`ArchiveBucket ${this.node.path}: prefix "${prefix}" must be empty or end with "/"`);
    }
    const abortDays = props.abortIncompleteMultipartUploadDays ?? 2;
    if (!Number.isInteger(abortDays) || abortDays < 1) {
      throw new Error(`ArchiveBucket ${this.node.path}: abortIncompleteMultipartUploadDays must be a whole number of at least 1, got ${abortDays}`);
    }
    this.prefix = prefix;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.bucketName !== undefined ? { bucketName: props.bucketName } : {}),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(abortDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` write backup objects under the prefix and abort its own failed multipart
   * uploads; no read, list or delete. A multipart upload's create, part and complete calls all
   * authorise as s3:PutObject, and lib-storage never lists parts, so these two actions suffice.
   * Spelled out rather than `bucket.grantPut`, which also allows PutObjectRetention/LegalHold
   * and tagging: a writer must not be able to change an object's lock.
   * A KMS-encrypted bucket will also need kms:GenerateDataKey on its key here.
   */
  grantWriteBackups(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [this.bucket.arnForObjects(`${this.prefix}*`)],
    });
  }
}
