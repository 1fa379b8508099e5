import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { stderrLog } from '../../lambdas/common/log';
import { staticSecretSource } from '../../lambdas/common/secrets';
import { parseConfig } from '../../lambdas/config/load';
import type { DemoDevice } from '../demo/demo-device';
import { DEMO_DEVICES } from '../demo/devices';
import { startEmbeddedS3 } from '../local/embedded-s3';
import { runBackupsLocally } from '../local/run-backups';
import { formatBytes, formatTable } from '../output/table';

const DEMO_BUCKET = 'backup-runner-demo';

/**
 * `backup-runner demo`: simulated appliances (one per supported type), an embedded S3, and the
 * real workflow definition; then every archive is read back and compared with what its
 * simulator served. Exit 0 only when all match.
 */
export async function demoCommand(options: { verbose?: boolean } = {}, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const log = stderrLog(options.verbose ? 'debug' : 'warn');
  const workDir = await mkdtemp(join(tmpdir(), 'backup-runner-demo-'));
  const devices: DemoDevice[] = [];
  const s3 = await startEmbeddedS3({ directory: join(workDir, 's3'), buckets: [DEMO_BUCKET] });
  try {
    for (const start of DEMO_DEVICES) devices.push(await start({ workDir }));
    const config = parseConfig({
      archive: { bucket: DEMO_BUCKET, prefix: 'backups/', s3: { endpoint: s3.endpoint } },
      devices: devices.map((d) => d.config),
    });
    const secrets = staticSecretSource(Object.assign({}, ...devices.map((d) => d.secrets)));
    out.write(`Simulated appliances:\n`);
    for (const d of config.devices) {
      const pin = d.tls && 'fingerprint256' in d.tls ? `, certificate pinned ${d.tls.fingerprint256.slice(0, 23)}...` : '';
      out.write(`  ${d.id.padEnd(16)} ${d.type.padEnd(24)} ${d.url}${pin}\n`);
    }
    out.write(`Embedded S3 at ${s3.endpoint}, bucket ${DEMO_BUCKET}\n\nBacking up with the synthesized state machine...\n\n`);

    const results = await runBackupsLocally({ config, secrets, archive: { bucket: DEMO_BUCKET, s3: s3.client }, log });
    const rows: string[][] = [];
    let allGood = true;
    for (const [index, result] of results.entries()) {
      const device = devices[index]!;
      if (result.status !== 'SUCCEEDED' || !result.key) {
        allGood = false;
        rows.push([result.device, config.devices[index]!.type, 'FAILED', '', '', `${result.error}: ${result.cause}`]);
        continue;
      }
      const served = await device.served(result);
      const readBack = await sha256OfObject(s3.client, DEMO_BUCKET, result.key);
      const same = served ? served.sha256 === readBack.sha256 && served.size === readBack.size : readBack.sha256 === result.sha256;
      allGood &&= same && readBack.sha256 === result.sha256;
      rows.push([
        result.device,
        config.devices[index]!.type,
        'SUCCEEDED',
        `${formatBytes(readBack.size)} (${readBack.size} B)`,
        readBack.sha256,
        served ? (same ? 'same bytes as served' : 'DIFFERS from what the device served') : 'matches manifest',
      ]);
    }
    out.write(formatTable(['DEVICE', 'TYPE', 'BACKUP', 'SIZE IN S3', 'SHA-256 (read back from S3)', 'CHECK'], rows) + '\n\n');
    for (const r of results) if (r.key) out.write(`${r.device}: s3://${DEMO_BUCKET}/${r.key} (+ .manifest.json), ${(r.durationMs / 1000).toFixed(1)} s\n`);
    out.write(allGood ? '\nOK: every archive holds exactly the bytes its device served.\n' : '\nFAILED: see the table above.\n');
    return allGood ? 0 : 1;
  } finally {
    await s3.close();
    await Promise.all(devices.map((d) => d.close()));
    await rm(workDir, { recursive: true, force: true });
  }
}

async function sha256OfObject(s3: S3Client, bucket: string, key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
