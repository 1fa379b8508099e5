import * as iam from 'aws-cdk-lib/aws-iam';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { MANIFEST_SUFFIX } from '../../lambdas/archive/keys';
import type { ArchiveBucket } from './archive-bucket';

/**
 * What the prune function may do to the archive, and nothing more: list under the prefix, read
 * manifests (not backup contents: the resource pattern ends in `.manifest.json`), delete under
 * the prefix, and, on an Object Lock bucket, read objects' retention. No s3:DeleteObjectVersion:
 * a delete in the versioned bucket only adds a delete marker, and old versions leave through the
 * lifecycle's noncurrent expiry, never through this function. No s3:BypassGovernanceRetention.
 */
export function grantPruneBackups(grantee: iam.IGrantable, archive: ArchiveBucket, config: RunnerConfig): void {
  const prefix = archive.prefix;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [archive.bucket.bucketArn],
      // An empty prefix is the whole bucket: no condition to add.
      ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [archive.bucket.arnForObjects(`${prefix}*${MANIFEST_SUFFIX}`)] }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:DeleteObject', ...(config.archive.objectLock ? ['s3:GetObjectRetention'] : [])],
      resources: [archive.bucket.arnForObjects(`${prefix}*`)],
    }),
  );
}
