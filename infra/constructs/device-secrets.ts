import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { secretFields } from '../../lambdas/config/secret-ref';

/** Every Secrets Manager secret the config refers to (lambdas/config/secret-ref.ts), sorted and without duplicates. */
export function deviceSecretNames(config: RunnerConfig): string[] {
  return [...new Set(secretFields(config.devices).map((field) => field.value))].sort();
}

/**
 * The ARN pattern that matches exactly one secret by name. Secrets Manager appends "-" and six
 * random characters to every secret's ARN, so `<name>-??????` matches that secret and not
 * `<name>-other` (a trailing `*` would). A full ARN in the config is used as it is.
 */
export function deviceSecretArn(scope: IConstruct, name: string): string {
  if (name.startsWith('arn:')) return name;
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${name}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Lets `grantee` read the values of exactly the secrets the config names, and nothing else. */
export function grantReadDeviceSecrets(grantee: iam.IGrantable, scope: IConstruct, config: RunnerConfig): iam.Grant {
  const names = deviceSecretNames(config);
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: names.map((name) => deviceSecretArn(scope, name)),
  });
}
