import { Arn, ArnFormat, Stack, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/**
 * Every log group of the stack encrypted with the archive's KMS key, when the archive has one
 * (config `archive.encryption.kms`): what the runner logs about devices is kept as carefully as the
 * backups. An aspect, so a log group added by any construct later is covered too.
 */
export class LogGroupsEncryption implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) node.kmsKeyId = this.key.keyArn;
  }
}

/**
 * Lets CloudWatch Logs use `key` for the log groups of this account and region, as a log group
 * encrypted with a customer-managed key requires: the service principal of the region, bound to
 * log group ARNs by the encryption context. Only for a key the stack creates; an imported key's
 * policy is its owner's to extend (docs/archive.md says how).
 */
export function allowLogsToUse(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': Arn.format({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack),
        },
      },
    }),
  );
}
