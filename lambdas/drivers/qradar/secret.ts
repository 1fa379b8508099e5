import { SecretError } from '../../common/errors';
import { parseSshCredentials, type SshCredentials } from '../../transfer/sftp';

export interface QRadarCredentials {
  /** Authorized service token, sent as the SEC header. */
  token: string;
  ssh: SshCredentials;
}

/** The device secret {"token", "sshUsername", "sshPrivateKey" | "sshPassword"}; errors name fields, never values. */
export function parseQRadarCredentials(secret: unknown, secretName: string, deviceId: string): QRadarCredentials {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new SecretError(`secret "${secretName}" must be a JSON object {"token", "sshUsername", "sshPrivateKey" | "sshPassword"}`, { deviceId });
  }
  const token = (secret as Record<string, unknown>).token;
  if (typeof token !== 'string' || token === '') {
    throw new SecretError(`secret "${secretName}" ${token === undefined ? 'lacks' : 'has an empty or non-string'} field "token" (the authorized service token sent as SEC)`, { deviceId });
  }
  const ssh = parseSshCredentials(secret, secretName, deviceId, {
    username: 'sshUsername',
    privateKey: 'sshPrivateKey',
    passphrase: 'sshPassphrase',
    password: 'sshPassword',
  });
  return { token, ssh };
}
