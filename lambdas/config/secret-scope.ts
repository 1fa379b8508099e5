import { z } from 'zod';
import { secretArnParts, secretFields, secretRefProblem } from './secret-ref';

/**
 * The `secrets` section: which Secrets Manager secrets the device-facing Lambdas may read. The
 * grant is one statement whatever the fleet's size (IAM allows 6,144 characters a managed policy,
 * so one ARN per secret stops at about 70 secrets): every secret whose name starts with `prefix`,
 * or, with `tag`, every secret carrying that tag (attribute-based access control), or both at once.
 * The config schema refuses a device secret outside the prefix, naming its field.
 */

/** Characters Secrets Manager allows in a secret name. */
const SECRET_NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;

/** The default scope: secrets named `backup-runner/...`, as the examples name them. */
export const DEFAULT_SECRET_PREFIX = 'backup-runner/';

export const secretScopeSchema = z
  .strictObject({
    /** Names the functions may read start with this; ends with "/" so `team/` cannot reach `team-admin`. */
    prefix: z
      .string()
      .regex(SECRET_NAME_CHARS, 'must be the start of a secret name: A-Z a-z 0-9 and / _ + = . @ -')
      .refine((v) => v.endsWith('/'), 'must end with "/" (e.g. backup-runner/), so the grant cannot reach a secret that merely starts with the same letters')
      .optional(),
    /** Only secrets with this tag (key and value) are readable: `aws:ResourceTag/<key>` in the grant's condition. */
    tag: z
      .strictObject({
        key: z.string().min(1).max(128).regex(/^[\p{L}\p{Z}\p{N}_.:/=+@-]+$/u, 'must be a tag key (letters, digits, spaces and _ . : / = + - @)'),
        value: z.string().min(1).max(256).regex(/^[\p{L}\p{Z}\p{N}_.:/=+@-]+$/u, 'must be a tag value (letters, digits, spaces and _ . : / = + - @)'),
      })
      .optional(),
  })
  .transform((scope) => (scope.prefix === undefined && scope.tag === undefined ? { prefix: DEFAULT_SECRET_PREFIX } : scope));

export type SecretScope = z.output<typeof secretScopeSchema>;

/**
 * Device secrets the scope's prefix does not cover (by name, or the name inside an ARN), as issues
 * at the field's path. With only a tag, any name is allowed: IAM checks the tag when the secret is
 * read, and the step's error then names the secret and the scope.
 */
export function secretScopeIssues(devices: readonly unknown[], scope: { readonly prefix?: unknown }): { path: (string | number)[]; message: string }[] {
  const prefix = scope.prefix;
  if (typeof prefix !== 'string') return [];
  return secretFields(devices)
    // A value that is no secret reference at all is reported as such at the same path.
    .filter((field) => secretRefProblem(field.value) === undefined && !(secretArnParts(field.value)?.name ?? field.value).startsWith(prefix))
    .map((field) => ({
      path: field.pathParts,
      message: `"${field.value}" is outside secrets.prefix "${prefix}": the runner's functions may read only secrets named ${prefix}...; rename the secret, or set secrets.prefix (or secrets.tag) to cover it`,
    }));
}
