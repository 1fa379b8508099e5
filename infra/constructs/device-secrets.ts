import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';

/**
 * Every Secrets Manager secret the config refers to, sorted and without duplicates.
 *
 * Besides each device's own `secret`, some device types name further secrets in nested
 * objects (a landing host's `landing.secret`, a filer's `server.secret`). They are found by
 * walking the device's nested objects for string fields called `secret`, so a new device type
 * gets its grant without a change here.
 */
export function deviceSecretNames(config: RunnerConfig): string[] {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'secret' && typeof child === 'string' && child !== '') names.add(child);
      else visit(child);
    }
  };
  config.devices.forEach(visit);
  return [...names].sort();
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
