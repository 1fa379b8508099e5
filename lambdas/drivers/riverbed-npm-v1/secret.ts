import { SecretError } from '../../common/errors';

export interface NpmCredentials {
  username: string;
  password: string;
}

/** The device secret must be {"username","password"}; the error names the missing field, never a value. */
export function parseNpmCredentials(secret: unknown, secretName: string, deviceId: string): NpmCredentials {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new SecretError(`secret "${secretName}" must be a JSON object {"username","password"}`, { deviceId });
  }
  const record = secret as Record<string, unknown>;
  for (const field of ['username', 'password'] as const) {
    const value = record[field];
    if (typeof value !== 'string' || value === '') {
      throw new SecretError(
        `secret "${secretName}" ${value === undefined ? 'lacks' : 'has an empty or non-string'} field "${field}" (expected {"username","password"})`,
        { deviceId },
      );
    }
  }
  return { username: record.username as string, password: record.password as string };
}
