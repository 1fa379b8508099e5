import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { SecretScope } from '../../lambdas/config/schema';
import { nagRegionAccount } from './nag';

/**
 * The ARN pattern of the secrets the scope's grant covers: every secret named `<prefix>...` in the
 * stack's account and region, or, with a tag only, every secret there (the tag condition narrows it).
 * One pattern for the whole fleet: the policy does not grow with the number of secrets.
 */
export function secretScopeArn(scope: IConstruct, secrets: SecretScope): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secrets.prefix ?? ''}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Lets `grantee` read the values of the secrets in the config's `secrets` scope: one statement,
 * on the prefix's ARN pattern, with an `aws:ResourceTag` condition when the scope names a tag. The
 * config schema has refused every device secret outside the prefix already.
 */
export function grantReadDeviceSecrets(grantee: iam.IGrantable & IConstruct, secrets: SecretScope): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secretScopeArn(grantee, secrets)],
    ...(secrets.tag ? { conditions: { StringEquals: { [`aws:ResourceTag/${secrets.tag.key}`]: secrets.tag.value } } } : {}),
  });
  const { region, account } = nagRegionAccount(grantee);
  const finding = `arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:${secrets.prefix ?? ''}*`;
  Validations.of(grantee).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${finding}]`,
    reason: secrets.prefix
      ? `GetSecretValue on the secrets named ${secrets.prefix}... (config secrets.prefix${secrets.tag ? ` and tagged ${secrets.tag.key}=${secrets.tag.value}` : ''}): one statement for any fleet size; the config schema refuses a device secret outside the prefix`
      : `GetSecretValue only on secrets tagged ${secrets.tag?.key}=${secrets.tag?.value} (config secrets.tag, an aws:ResourceTag condition): one statement for any fleet size`,
  });
  return grant;
}
