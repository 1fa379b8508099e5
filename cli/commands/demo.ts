import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { stderrLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import { expectedBackupDigest, startNpmV1Simulator } from '../../simulators/riverbed-npm-v1';
import { startEmbeddedS3 } from '../local/embedded-s3';
import { runBackupsLocally } from '../local/run-backups';
import { formatBytes, formatTable } from '../output/table';

const DEMO_BUCKET = 'backup-runner-demo';
const DEMO_SEED = 11;

/**
 * `backup-runner demo`: a simulated appliance over HTTPS (pinned fingerprint), an embedded S3,
 * and the real workflow definition; then the archive is read back and compared, byte for byte,
 * with what the simulator served.
 */
export async function demoCommand(options: { size?: number; verbose?: boolean } = {}, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const log = stderrLog(options.verbose ? 'debug' : 'warn');
  const backupSize = options.size ?? 32 * 1024 * 1024;
  const workDir = await mkdtemp(join(tmpdir(), 'backup-runner-demo-'));
  const simulator = await startNpmV1Simulator({
    tls: true,
    backupSize,
    backupDurationMs: 1500,
    seed: DEMO_SEED,
    hostname: 'ar11-demo',
    existingBackups: [{ description: 'made by an operator by hand' }],
  });
  const s3 = await startEmbeddedS3({ directory: join(workDir, 's3'), buckets: [DEMO_BUCKET] });
  try {
    const config = parseConfig({
      archive: { bucket: DEMO_BUCKET, prefix: 'backups/', s3: { endpoint: s3.endpoint } },
      devices: [
        {
          id: 'ar11-demo',
          type: 'riverbed-npm-v1',
          url: simulator.url,
          secret: 'backup-runner/ar11-demo',
          tls: { fingerprint256: simulator.fingerprint256 },
          poll: { intervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
        },
      ],
    });
    const secrets = staticSecretSource({ 'backup-runner/ar11-demo': { username: 'admin', password: 'admin' } });
    out.write(`Simulated Riverbed AppResponse (npm.backup 1.0) at ${simulator.url}, certificate ${simulator.fingerprint256}\n`);
    out.write(`Embedded S3 at ${s3.endpoint}, bucket ${DEMO_BUCKET}\n\nBacking up with the synthesized state machine...\n\n`);

    const [result] = await runBackupsLocally({ config, secrets, archive: { bucket: DEMO_BUCKET, s3: s3.client }, log });
    if (!result || result.status !== 'SUCCEEDED' || !result.key || !result.deviceBackupId) {
      out.write(`Backup FAILED: ${result?.error}: ${result?.cause}\n`);
      return 1;
    }
    const served = expectedBackupDigest(DEMO_SEED, result.deviceBackupId, backupSize);
    const readBack = await sha256OfObject(s3.client, DEMO_BUCKET, result.key);
    const matches = readBack.sha256 === served.sha256 && readBack.size === served.size && result.sha256 === served.sha256;
    out.write(
      formatTable(
        ['', 'SIZE', 'BYTES', 'SHA-256'],
        [
          ['served by the device', formatBytes(served.size), String(served.size), served.sha256],
          ['archived (manifest)', formatBytes(result.size), String(result.size), result.sha256 ?? ''],
          ['read back from S3', formatBytes(readBack.size), String(readBack.size), readBack.sha256],
        ],
      ) + '\n\n',
    );
    out.write(`object:   s3://${DEMO_BUCKET}/${result.key}\nmanifest: s3://${DEMO_BUCKET}/${result.key}.manifest.json\n`);
    out.write(`time:     ${(result.durationMs / 1000).toFixed(1)} s\n`);
    out.write(matches ? '\nOK: the archive holds exactly the bytes the device served.\n' : '\nMISMATCH: the archive differs from what the device served.\n');
    return matches ? 0 : 1;
  } finally {
    await s3.close();
    await simulator.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function sha256OfObject(s3: import('@aws-sdk/client-s3').S3Client, bucket: string, key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
