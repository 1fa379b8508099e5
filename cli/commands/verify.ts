import { isProblem, verifyArchive, type VerifyFinding } from '../../lambdas/archive/verify';
import { loadConfigFile } from '../../lambdas/config/load';
import { openArchiveTarget } from '../local/archive-target';
import { formatBytes } from '../output/table';
import { archiveDeviceId } from './archive-scope';

export interface VerifyCommandOptions {
  config: string;
  device?: string;
}

/**
 * `backup-runner verify`: re-reads every readable object through SHA-256 and compares it with its
 * manifest; reports mismatches, objects without a manifest, manifests without an object,
 * unreadable manifests, and objects waiting in a cold tier (not read). Exit 1 on any problem;
 * cold objects alone are not one.
 */
export async function verifyCommand(options: VerifyCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = loadConfigFile(options.config);
  const deviceId = archiveDeviceId(options.device);
  const archive = await openArchiveTarget(config.archive);
  try {
    const findings = await verifyArchive(archive.s3, archive.bucket, {
      prefix: config.archive.prefix,
      deviceId,
      onFinding: (f) => out.write(`${findingLine(f)}\n`),
    });
    out.write(`${verifySummary(findings)}\n`);
    return findings.some(isProblem) ? 1 : 0;
  } finally {
    await archive.close();
  }
}

/** `MISMATCH      <key>: ...`: the kind first, padded, so problems stand out in a long list. */
export function findingLine(f: VerifyFinding): string {
  const tag = (t: string) => t.padEnd(16);
  switch (f.kind) {
    case 'ok':
      return `${tag('OK')}${f.key}  ${formatBytes(f.size)}  sha256 ${f.sha256}`;
    case 'mismatch':
      return `${tag('MISMATCH')}${f.key}: ${f.message}`;
    case 'missing-manifest':
      return `${tag('NO MANIFEST')}${f.key}: object without a manifest (an upload that never committed, or its manifest was deleted); last modified ${f.lastModified.toISOString()}`;
    case 'missing-object':
      return `${tag('NO OBJECT')}${f.manifestKey}: manifest whose object ${f.key} is missing`;
    case 'unreadable-manifest':
      return `${tag('BAD MANIFEST')}${f.manifestKey}: ${f.message}`;
    case 'cold':
      return `${tag('COLD')}${f.key}: in ${f.storageClass} without a completed restore; not read (restore it to verify it)`;
    case 'read-failed':
      return `${tag('READ FAILED')}${f.key}: ${f.message}`;
  }
}

export function verifySummary(findings: readonly VerifyFinding[]): string {
  const count = (kind: VerifyFinding['kind']) => findings.filter((f) => f.kind === kind).length;
  const problems = findings.filter(isProblem).length;
  const parts = [
    `${count('ok')} verified`,
    `${count('mismatch')} mismatched`,
    `${count('missing-manifest')} without a manifest`,
    `${count('missing-object')} manifest(s) without an object`,
    `${count('unreadable-manifest')} unreadable manifest(s)`,
    `${count('read-failed')} unreadable object(s)`,
    `${count('cold')} in a cold tier (not read)`,
  ];
  return `${problems ? `FAILED: ${problems} problem(s)` : 'OK'}: ${parts.join(', ')}`;
}
