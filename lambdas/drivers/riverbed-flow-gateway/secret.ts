import { SecretError } from '../../common/errors';
import type { SshCredentials } from '../../transfer/sftp';
import { LANDING_SECRET_FIELDS, parseSshCredentials } from '../../transfer/sftp';

export interface FlowGatewayCredentials {
  username: string;
  password: string;
  /** Encrypts the backup; a restore needs the same one. */
  securityPassword: string;
}

/** The device secret {"username","password","securityPassword"}; errors name the field, never a value. */
export function parseFlowGatewayCredentials(secret: unknown, secretName: string, deviceId: string): FlowGatewayCredentials {
  const shape = '{"username","password","securityPassword"}';
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new SecretError(`secret "${secretName}" must be a JSON object ${shape}`, { deviceId });
  }
  const record = secret as Record<string, unknown>;
  for (const field of ['username', 'password', 'securityPassword'] as const) {
    const value = record[field];
    if (typeof value !== 'string' || value === '') {
      const why = field === 'securityPassword' ? '; the gateway encrypts its backup with it and cannot restore without it' : '';
      throw new SecretError(`secret "${secretName}" ${value === undefined ? 'lacks' : 'has an empty or non-string'} field "${field}" (expected ${shape})${why}`, { deviceId });
    }
  }
  return { username: record.username as string, password: record.password as string, securityPassword: record.securityPassword as string };
}

/**
 * The landing host's account. The gateway pushes with a password (its API takes nothing else), so
 * `password` is required; the runner pulls with `privateKey` when the secret has one.
 */
export interface LandingAccount {
  /** What the runner logs in with. */
  pull: SshCredentials;
  /** What the gateway is told to log in with. */
  push: { username: string; password: string };
}

export function parseLandingAccount(secret: unknown, secretName: string, deviceId: string): LandingAccount {
  const pull = parseSshCredentials(secret, secretName, deviceId, LANDING_SECRET_FIELDS);
  if (!pull.password) {
    throw new SecretError(
      `secret "${secretName}" lacks field "password": the Flow Gateway logs in to the landing host with a password (its API takes no key); "privateKey" is only used by the runner`,
      { deviceId },
    );
  }
  return { pull, push: { username: pull.username, password: pull.password } };
}
