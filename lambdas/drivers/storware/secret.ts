import { SecretError } from '../../common/errors';

export interface StorwareCredentials {
  login: string;
  password: string;
}

/** The device secret must be {"login","password"} (Storware's own field name is `login`); errors name the field, never a value. */
export function parseStorwareCredentials(secret: unknown, secretName: string, deviceId: string): StorwareCredentials {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new SecretError(`secret "${secretName}" must be a JSON object {"login","password"}`, { deviceId });
  }
  const record = secret as Record<string, unknown>;
  for (const field of ['login', 'password'] as const) {
    const value = record[field];
    if (typeof value !== 'string' || value === '') {
      const hint = field === 'login' && typeof record.username === 'string' ? ' (Storware calls the user name "login": rename "username")' : '';
      throw new SecretError(
        `secret "${secretName}" ${value === undefined ? 'lacks' : 'has an empty or non-string'} field "${field}" (expected {"login","password"})${hint}`,
        { deviceId },
      );
    }
  }
  return { login: record.login as string, password: record.password as string };
}
