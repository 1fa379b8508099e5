import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RUNNER_STATE_PREFIX } from '../../lambdas/dispatcher/state';
import { BACKUP_OBJECT_TAG } from '../../lambdas/archive/object-tags';
import { transitionProblems, type Transition, type TransitionStorageClass } from '../../lambdas/config/archive-storage';
import type { RunnerConfig } from '../../lambdas/config/schema';

/** Config storage class names as CDK spells them. */
const STORAGE_CLASSES: Readonly<Record<TransitionStorageClass, s3.StorageClass>> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
  ONEZONE_IA: s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: s3.StorageClass.GLACIER,
  DEEP_ARCHIVE: s3.StorageClass.DEEP_ARCHIVE,
};

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

  /**
   * Lifecycle transitions of backup objects (config `archive.lifecycle.transitions`), in the
   * order they happen. They apply only to objects tagged `backup-runner:kind=backup`, which the
   * transfer sets with every upload: manifests are never tagged and stay in STANDARD, so listing
   * and retention planning never wait for a restore from Glacier.
   * @default - no transitions: everything stays in STANDARD
   */
  readonly transitions?: readonly Transition[];

  /**
   * Only backups larger than this many bytes transition (config `archive.lifecycle.objectSizeGreaterThan`).
   * @default - S3's default minimum, set explicitly on the bucket: objects under 128 KiB do not transition
   */
  readonly transitionObjectSizeGreaterThan?: number;

  /**
   * Days after which a noncurrent object version (overwritten, or hidden by a prune's delete
   * marker) is deleted for good; expired delete markers are removed with them.
   * @default - noncurrent versions are kept
   */
  readonly noncurrentVersionExpirationDays?: number;

  /**
   * Server-side encryption: a customer-managed KMS key created by this construct (with yearly
   * rotation, kept when the stack is deleted: the archive cannot be read without it) or imported
   * by its ARN. S3 bucket keys are on, so S3 asks KMS once per bucket key, not once per object.
   * @default - SSE-S3 (AES256, keys managed by S3)
   */
  readonly encryption?: { readonly kms: { readonly keyArn: string } | { readonly create: true } };

  /**
   * Object Lock with a default retention for every new object version. Enabled when the bucket is
   * created; turning it on for a deployed bucket needs S3's own procedure (see docs/archive.md).
   * @default - no Object Lock
   */
  readonly objectLock?: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly days: number };

  /**
   * Where S3 server access logs of the archive go (AccessLogsBucket), under `archive/`.
   * @default - no server access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * The S3 bucket that holds the backups: private, TLS only, encrypted, versioned, and kept when
 * the stack is deleted (the archive outlives the runner).
 */
export class ArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** Key prefix of every backup object. */
  readonly prefix: string;
  /** The customer-managed key of an SSE-KMS bucket; undefined with SSE-S3. */
  readonly encryptionKey: kms.IKey | undefined;

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
    const transitions = props.transitions ?? [];
    this.validateStorageProps(props, transitions);
    this.encryptionKey = this.resolveKey(props.encryption);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.bucketName !== undefined ? { bucketName: props.bucketName } : {}),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      ...(this.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      versioned: true,
      ...(props.serverAccessLogsBucket ? { serverAccessLogsBucket: props.serverAccessLogsBucket, serverAccessLogsPrefix: 'archive/' } : {}),
      lifecycleRules: lifecycleRules(props, transitions, abortDays),
      // Stated, not left to the bucket's creation date: buckets made before September 2024
      // default to per-class minimums and would move small objects too.
      ...(transitions.length > 0 ? { transitionDefaultMinimumObjectSize: s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K } : {}),
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              props.objectLock.mode === 'COMPLIANCE'
                ? s3.ObjectLockRetention.compliance(Duration.days(props.objectLock.days))
                : s3.ObjectLockRetention.governance(Duration.days(props.objectLock.days)),
          }
        : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private validateStorageProps(props: ArchiveBucketProps, transitions: readonly Transition[]): void {
    const fail = (message: string): never => {
      throw new Error(`ArchiveBucket ${this.node.path}: ${message}`);
    };
    const problem = transitionProblems(transitions)[0];
    if (problem) fail(`transitions[${problem.path[1]}].${problem.path[2]} ${problem.message}`);
    const size = props.transitionObjectSizeGreaterThan;
    if (size !== undefined && (!Number.isInteger(size) || size < 0)) fail(`transitionObjectSizeGreaterThan must be a whole number of bytes, 0 or more, got ${size}`);
    const noncurrent = props.noncurrentVersionExpirationDays;
    if (noncurrent !== undefined && (!Number.isInteger(noncurrent) || noncurrent < 1)) {
      fail(`noncurrentVersionExpirationDays must be a whole number of at least 1, got ${noncurrent}`);
    }
    const lock = props.objectLock;
    if (lock && (!Number.isInteger(lock.days) || lock.days < 1 || lock.days > 36_500)) fail(`objectLock.days must be a whole number from 1 to 36500, got ${lock.days}`);
  }

  private resolveKey(encryption: ArchiveBucketProps['encryption']): kms.IKey | undefined {
    if (!encryption) return undefined;
    if ('keyArn' in encryption.kms) return kms.Key.fromKeyArn(this, 'Key', encryption.kms.keyArn);
    return new kms.Key(this, 'Key', {
      description: 'Encrypts the appliance backup archive (backup-runner)',
      enableKeyRotation: true,
      // Deleting the key would make every backup unreadable: it outlives the stack like the bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` encrypt what it writes with an SSE-KMS bucket's key: GenerateDataKey for each
   * object or part, Decrypt to complete a multipart upload. Nothing with SSE-S3.
   */
  grantEncryptBackups(grantee: iam.IGrantable): iam.Grant | undefined {
    return this.encryptionKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /** Lets `grantee` decrypt what it reads from an SSE-KMS bucket (manifests, backups). Nothing with SSE-S3. */
  grantDecryptBackups(grantee: iam.IGrantable): iam.Grant | undefined {
    return this.encryptionKey?.grant(grantee, 'kms:Decrypt');
  }

  /**
   * Lets `grantee` write backup objects under the prefix and abort its own failed multipart
   * uploads; no read or delete. A multipart upload's create, part and complete calls all
   * authorise as s3:PutObject; s3:ListMultipartUploadParts lets a transfer resumed in a later
   * invocation list the parts the earlier ones stored (their ETags). s3:PutObjectTagging because S3
   * requires it for tags sent with the upload (x-amz-tagging), which the lifecycle filters on.
   * Spelled out rather than `bucket.grantPut`, which also allows PutObjectRetention/LegalHold:
   * a writer must not be able to change an object's lock. KMS: `grantEncryptBackups`.
   */
  grantWriteBackups(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resourceArns: [this.bucket.arnForObjects(`${this.prefix}*`)],
    });
  }
}

/**
 * The bucket's lifecycle: incomplete multipart uploads always aborted; transitions only for
 * objects carrying the backup tag (and above a size, if given); noncurrent versions expired.
 */
function lifecycleRules(props: ArchiveBucketProps, transitions: readonly Transition[], abortDays: number): s3.LifecycleRule[] {
  const rules: s3.LifecycleRule[] = [
    { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(abortDays) },
    // The dispatcher rewrites its state object every tick; in a versioned bucket the old
    // versions would pile up (288 a day), so they go after a day.
    { id: 'runner-state-old-versions', prefix: RUNNER_STATE_PREFIX, noncurrentVersionExpiration: Duration.days(1) },
  ];
  if (transitions.length > 0) {
    rules.push({
      id: 'backup-objects-to-colder-storage',
      tagFilters: { [BACKUP_OBJECT_TAG.key]: BACKUP_OBJECT_TAG.value },
      ...(props.transitionObjectSizeGreaterThan !== undefined ? { objectSizeGreaterThan: props.transitionObjectSizeGreaterThan } : {}),
      transitions: transitions.map((t) => ({ storageClass: STORAGE_CLASSES[t.storageClass], transitionAfter: Duration.days(t.days) })),
    });
  }
  if (props.noncurrentVersionExpirationDays !== undefined) {
    rules.push({
      id: 'expire-noncurrent-versions',
      noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays),
      // A delete marker with no versions left behind it only clutters listings.
      expiredObjectDeleteMarker: true,
    });
  }
  return rules;
}

/** The storage props of the archive bucket from the config's `archive` section (lifecycle, encryption, Object Lock). */
export function archiveStorageProps(config: RunnerConfig): Partial<ArchiveBucketProps> {
  const { lifecycle, encryption, objectLock } = config.archive;
  return {
    ...(lifecycle
      ? {
          abortIncompleteMultipartUploadDays: lifecycle.abortIncompleteMultipartUploadDays,
          transitions: lifecycle.transitions,
          ...(lifecycle.objectSizeGreaterThan !== undefined ? { transitionObjectSizeGreaterThan: lifecycle.objectSizeGreaterThan } : {}),
          ...(lifecycle.noncurrentVersionExpirationDays !== undefined ? { noncurrentVersionExpirationDays: lifecycle.noncurrentVersionExpirationDays } : {}),
        }
      : {}),
    ...(encryption ? { encryption } : {}),
    ...(objectLock ? { objectLock } : {}),
  };
}
