import {
  AuthenticationFailed,
  BackupRunnerError,
  DeviceOperationFailed,
  DeviceProtocolError,
  DeviceUnreachable,
  HostKeyMismatch,
  SecretError,
} from '../../common/errors';
import { describeNetworkError } from '../../common/http-errors';
import { untrustedText } from '../../common/untrusted-text';

/** Who we were talking to, for messages. */
export interface SshTarget {
  deviceId: string;
  /** "landing host", "console" */
  what: string;
  host: string;
  port: number;
  username: string;
  connectSeconds: number;
  idleSeconds: number;
  /** Auth methods offered, e.g. "publickey" or "password". */
  methods: string;
}

/**
 * The typed error for a failed SSH connection. `hostKeyProblem` is set when our hostVerifier
 * refused the key: ssh2 then reports a generic handshake error, and the pin's message is the one
 * an operator needs. Pure, so the mapping is tested as a table.
 */
export function sshConnectionError(error: unknown, target: SshTarget, hostKeyProblem?: string): BackupRunnerError {
  if (error instanceof BackupRunnerError) return error;
  const { deviceId } = target;
  const at = `${target.host}:${target.port}`;
  if (hostKeyProblem) return new HostKeyMismatch(hostKeyProblem, { deviceId, cause: error });
  const level = typeof error === 'object' && error !== null ? (error as { level?: unknown }).level : undefined;
  // The server's own words (an SFTP status message, a disconnect reason) are untrusted text.
  const message = untrustedText(error instanceof Error ? error.message : String(error));
  if (/cannot parse privatekey|encrypted private openssh key|passphrase/i.test(message)) {
    return new SecretError(`the SSH private key for "${target.username}" cannot be used: ${message} (OpenSSH or PEM format; give "passphrase" when it is encrypted)`, {
      deviceId,
    });
  }
  if (level === 'client-authentication') {
    return new AuthenticationFailed(
      `the ${target.what} ${at} refused SSH login as "${target.username}" (tried ${target.methods}); check the account, its key or password and authorized_keys`,
      { deviceId, cause: error },
    );
  }
  if (level === 'client-timeout') {
    return new DeviceUnreachable(`no SSH handshake with the ${target.what} ${at} within ${target.connectSeconds}s (timeouts.connectSeconds)`, {
      deviceId,
      cause: error,
    });
  }
  const words = describeNetworkError(error, {
    deviceId,
    target: `the ${target.what} ${at}`.replace(/^the /, ''),
    connectSeconds: target.connectSeconds,
    idleSeconds: target.idleSeconds,
  });
  if (words) return new DeviceUnreachable(`SSH: ${words}`, { deviceId, cause: error });
  if (level === 'client-socket' || /connection lost|socket|closed/i.test(message)) {
    return new DeviceUnreachable(`the SSH connection to the ${target.what} ${at} broke: ${message}`, { deviceId, cause: error });
  }
  // Key exchange or protocol failures (no common algorithm, not an SSH server): waiting will not help.
  return new DeviceProtocolError(`SSH with the ${target.what} ${at} failed: ${message}`, { deviceId, cause: error });
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that ssh2 puts in `code`. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/** The typed error for a failed SFTP operation on `path`. Pure. */
export function sftpOperationError(error: unknown, target: Pick<SshTarget, 'deviceId' | 'what' | 'host' | 'port' | 'username'>, operation: string, path: string): BackupRunnerError {
  if (error instanceof BackupRunnerError) return error;
  const { deviceId } = target;
  const at = `the ${target.what} ${target.host}:${target.port}`;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  // The server's own words (an SFTP status message, a disconnect reason) are untrusted text.
  const message = untrustedText(error instanceof Error ? error.message : String(error));
  if (code === SFTP_NO_SUCH_FILE) {
    return new DeviceOperationFailed(`${path} does not exist on ${at} (${operation}); it was moved or removed`, { deviceId, cause: error });
  }
  if (code === SFTP_PERMISSION_DENIED) {
    return new DeviceOperationFailed(`"${target.username}" may not ${operation} ${path} on ${at} (permission denied)`, { deviceId, cause: error });
  }
  if (typeof code === 'string' || /not connected|no response|closed/i.test(message)) {
    return new DeviceUnreachable(`SFTP ${operation} ${path} on ${at} failed: ${message}`, { deviceId, cause: error });
  }
  return new DeviceOperationFailed(`SFTP ${operation} ${path} on ${at} failed: ${message}`, { deviceId, cause: error });
}
