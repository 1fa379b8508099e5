import { createHash } from 'node:crypto';

/**
 * Host key pinning for SSH, in OpenSSH's own terms: the fingerprint is `SHA256:` and the
 * unpadded base64 of the SHA-256 of the key blob, exactly what `ssh-keygen -lf` prints, so an
 * operator can copy it from `ssh-keyscan HOST | ssh-keygen -lf -`.
 */

/** OpenSSH's SHA-256 fingerprint of a public key blob (the wire format ssh2 hands to hostVerifier). */
export function opensshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Why this presented key must be refused (undefined when it matches the pin). Pure. */
export function judgeHostKey(
  expected: string,
  presented: string,
  where: { what: string; host: string; port: number; configField: string },
): string | undefined {
  if (presented === expected.trim()) return undefined;
  return (
    `the SSH host key of the ${where.what} ${where.host}:${where.port} does not match the pinned one: ` +
    `expected ${expected} (${where.configField}), the server presented ${presented}. ` +
    'Nothing was sent. If the key was changed on purpose, pin the new fingerprint ' +
    `(ssh-keyscan -p ${where.port} ${where.host} | ssh-keygen -lf -).`
  );
}
