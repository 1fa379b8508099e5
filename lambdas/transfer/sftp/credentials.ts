import { SecretError } from '../../common/errors';

/** How the runner logs in over SSH: a private key (preferred) or a password. Never logged. */
export interface SshCredentials {
  username: string;
  privateKey?: string;
  passphrase?: string;
  password?: string;
}

/**
 * Reads SSH credentials from a secret whose field names vary by device type
 * (`username`/`privateKey`/`password` for a landing host, `sshUsername`/`sshPrivateKey`/
 * `sshPassword` for a QRadar console). Errors name the secret and the field, never a value.
 */
export function parseSshCredentials(
  secret: unknown,
  secretName: string,
  deviceId: string,
  fields: { username: string; privateKey: string; passphrase: string; password: string },
): SshCredentials {
  const shape = `{"${fields.username}", "${fields.privateKey}" | "${fields.password}"}`;
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new SecretError(`secret "${secretName}" must be a JSON object ${shape}`, { deviceId });
  }
  const record = secret as Record<string, unknown>;
  const text = (field: string): string | undefined => {
    const value = record[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') {
      throw new SecretError(`secret "${secretName}" has an empty or non-string field "${field}" (expected ${shape})`, { deviceId });
    }
    return value;
  };
  const username = text(fields.username);
  if (!username) throw new SecretError(`secret "${secretName}" lacks field "${fields.username}" (expected ${shape})`, { deviceId });
  const privateKey = text(fields.privateKey);
  const password = text(fields.password);
  const passphrase = text(fields.passphrase);
  if (!privateKey && !password) {
    throw new SecretError(`secret "${secretName}" has neither "${fields.privateKey}" nor "${fields.password}" (expected ${shape})`, { deviceId });
  }
  if (privateKey && !privateKey.includes('PRIVATE KEY-----')) {
    throw new SecretError(`secret "${secretName}" field "${fields.privateKey}" is not a PEM/OpenSSH private key (-----BEGIN ... PRIVATE KEY-----)`, { deviceId });
  }
  return {
    username,
    ...(privateKey ? { privateKey } : {}),
    ...(passphrase ? { passphrase } : {}),
    ...(password ? { password } : {}),
  };
}

/** Field names of a landing host's secret (DESIGN.md). */
export const LANDING_SECRET_FIELDS = { username: 'username', privateKey: 'privateKey', passphrase: 'passphrase', password: 'password' } as const;
