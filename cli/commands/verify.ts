import { isProblem, verifyArchive, type VerifyFinding } from '../../lambdas/archive/verify';
import { loadConfigFile } from '../../lambdas/config/load';
import type { Presentation } from '../conventions/command-options';
import { paintStatus, shortSha256, writeJsonLines, type OutputFlags } from '../conventions/output';
import type { Status } from '../conventions/status';
import { openArchiveTarget } from '../local/archive-target';
import { formatBytes } from '../output/table';
import { archiveDeviceId, requireKnownDevice } from './archive-scope';

export interface VerifyCommandOptions extends OutputFlags, Partial<Presentation> {
  config: string;
  device?: string;
}

/**
 * `backup-runner verify`: re-reads every readable object through SHA-256 and compares it with its
 * manifest; reports mismatches, objects without a manifest, manifests without an object,
 * unreadable manifests, and objects waiting in a cold tier (not read). Exit 1 on any problem;
 * cold objects alone are not one. With --json: one object per finding as it is found, then the summary.
 */
export async function verifyCommand(options: VerifyCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = loadConfigFile(options.config);
  const deviceId = archiveDeviceId(options.device);
  const archive = await openArchiveTarget(config.archive);
  try {
    const findings = await verifyArchive(archive.s3, archive.bucket, {
      prefix: config.archive.prefix,
      deviceId,
      onFinding: (f) => out.write(options.json ? `${JSON.stringify(findingJson(f))}\n` : `${findingLine(f, options.colour ?? false)}\n`),
    });
    if (findings.length === 0) requireKnownDevice(config, deviceId, { backups: [], incomplete: [], danglingManifests: [], unreadableManifests: [] });
    if (options.json) writeJsonLines(out, [summaryJson(findings)]);
    else out.write(`${verifySummary(findings)}\n`);
    return findings.some(isProblem) ? 1 : 0;
  } finally {
    await archive.close();
  }
}

const STATUS_OF: Record<VerifyFinding['kind'], Status> = {
  ok: 'OK',
  mismatch: 'MISMATCH',
  'missing-manifest': 'NO_MANIFEST',
  'missing-object': 'NO_OBJECT',
  'unreadable-manifest': 'BAD_MANIFEST',
  cold: 'COLD',
  'read-failed': 'READ_FAILED',
};

/** `MISMATCH      <key>: ...`: the kind first, padded, so problems stand out in a long list. */
export function findingLine(f: VerifyFinding, colour = false): string {
  const tag = (t: string) => paintStatus(t.padEnd(16), STATUS_OF[f.kind], colour);
  switch (f.kind) {
    case 'ok':
      return `${tag('OK')}${f.key}  ${formatBytes(f.size)}  sha256 ${shortSha256(f.sha256)}`;
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

/** The `--json` contract of a finding: its status in the shared vocabulary, then what it is about (full SHA-256). */
export function findingJson(f: VerifyFinding): Record<string, unknown> {
  const { kind, deviceId, ...rest } = f;
  return { status: STATUS_OF[kind], device: deviceId, ...rest, ...('lastModified' in rest ? { lastModified: rest.lastModified.toISOString() } : {}) };
}

function counts(findings: readonly VerifyFinding[]): Record<string, number> {
  const count = (kind: VerifyFinding['kind']) => findings.filter((f) => f.kind === kind).length;
  return {
    verified: count('ok'),
    mismatched: count('mismatch'),
    withoutManifest: count('missing-manifest'),
    manifestsWithoutObject: count('missing-object'),
    unreadableManifests: count('unreadable-manifest'),
    unreadableObjects: count('read-failed'),
    cold: count('cold'),
  };
}

export function summaryJson(findings: readonly VerifyFinding[]): Record<string, unknown> {
  const problems = findings.filter(isProblem).length;
  return { status: problems ? 'PROBLEM' : 'OK', summary: true, problems, counts: counts(findings) };
}

export function verifySummary(findings: readonly VerifyFinding[]): string {
  const c = counts(findings);
  const problems = findings.filter(isProblem).length;
  const parts = [
    `${c.verified} verified`,
    `${c.mismatched} mismatched`,
    `${c.withoutManifest} without a manifest`,
    `${c.manifestsWithoutObject} manifest(s) without an object`,
    `${c.unreadableManifests} unreadable manifest(s)`,
    `${c.unreadableObjects} unreadable object(s)`,
    `${c.cold} in a cold tier (not read)`,
  ];
  return `${problems ? `FAILED: ${problems} problem(s)` : 'OK'}: ${parts.join(', ')}`;
}
