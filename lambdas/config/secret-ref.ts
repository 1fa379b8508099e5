import { z } from 'zod';

/**
 * How the config names a Secrets Manager secret: by name or by complete ARN. Each becomes one
 * IAM resource in the device-facing roles' `secretsmanager:GetSecretValue` grant
 * (infra/constructs/device-secrets.ts), so whatever is not a literal secret reference is refused
 * here: a `*` or `?` in it would be a wildcard in that grant, read every secret it matches.
 */

/** Characters Secrets Manager allows in a secret name (CreateSecret, Name). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** A complete secret ARN: partition, region, account, name and the six characters Secrets Manager appends. */
const SECRET_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+)-([A-Za-z0-9]{6})$/;

export const secretRefSchema = (missing: string) =>
  z
    .string()
    .min(1, missing)
    .superRefine((value, ctx) => {
      const problem = secretRefProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Why `value` is not a secret name or complete secret ARN, or undefined when it is one. */
export function secretRefProblem(value: string): string | undefined {
  if (value.startsWith('arn:')) {
    if (SECRET_ARN.test(value)) return undefined;
    return `must be a complete secret ARN, arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX (as the console shows it, with the 6 characters after the name), with no wildcard; got "${value}"`;
  }
  if (SECRET_NAME.test(value)) return undefined;
  return `must be a Secrets Manager secret name: 1-512 of the characters A-Z a-z 0-9 / _ + = . @ - (no spaces, no wildcards such as * or ?); got "${value}"`;
}

export interface SecretArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** The parts of a complete secret ARN, or undefined for a secret name. */
export function secretArnParts(value: string): SecretArnParts | undefined {
  const match = SECRET_ARN.exec(value);
  if (!match) return undefined;
  return { partition: match[1]!, region: match[2]!, account: match[3]!, name: match[4]! };
}

/** The partition of a region: secrets of another partition can never be read by this stack. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** Where the stack is deployed, as far as synth knows it. */
export interface StackPlace {
  readonly account?: string;
  readonly region?: string;
}

/**
 * Secret ARNs in the config that point outside the stack's partition, region or account (when
 * those are known at synth): granting them would let the runner read another account's secrets,
 * or silently fail at run time. Returns `path: message` lines in the config file's terms.
 */
export function foreignSecretArns(secretFields: readonly { path: string; value: string }[], place: StackPlace): string[] {
  const problems: string[] = [];
  for (const { path, value } of secretFields) {
    const arn = secretArnParts(value);
    if (!arn) continue;
    if (place.region && arn.partition !== partitionOf(place.region)) {
      problems.push(`${path}: the secret's partition ${arn.partition} is not the stack's (${partitionOf(place.region)}, region ${place.region})`);
    }
    if (place.region && arn.region !== place.region) {
      problems.push(`${path}: the secret is in region ${arn.region}, the stack in ${place.region}; the runner reads secrets in its own region only`);
    }
    if (place.account && arn.account !== place.account) {
      problems.push(`${path}: the secret belongs to account ${arn.account}, the stack to ${place.account}; the runner reads secrets of its own account only`);
    }
  }
  return problems;
}

/**
 * Every secret reference in the devices, with its path in the config file (`devices[2].landing.secret`,
 * and as parts for a schema issue).
 * Besides each device's own `secret`, some device types name further secrets in nested objects (a
 * landing host's `landing.secret`, a filer's `server.secret`); they are found by walking the device
 * for string fields called `secret`, so a new device type is covered without a change here.
 */
export function secretFields(devices: readonly unknown[]): { path: string; pathParts: (string | number)[]; value: string }[] {
  const found: { path: string; pathParts: (string | number)[]; value: string }[] = [];
  const visit = (value: unknown, path: string, parts: (string | number)[]): void => {
    if (Array.isArray(value)) {
      value.forEach((child, index) => visit(child, `${path}[${index}]`, [...parts, index]));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'secret' && typeof child === 'string' && child !== '') found.push({ path: `${path}.secret`, pathParts: [...parts, 'secret'], value: child });
      else visit(child, `${path}.${key}`, [...parts, key]);
    }
  };
  devices.forEach((device, index) => visit(device, `devices[${index}]`, ['devices', index]));
  return found;
}
