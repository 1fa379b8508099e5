/**
 * Child process of the benchmark: the peer, what users script today. Logs in, starts a backup
 * and polls as download-once.ts does, then times
 *   curl -sk <file url> -H 'Authorization: Bearer <token>' | aws s3 cp - s3://<bucket>/<key> --endpoint-url <s3>
 * with the AWS CLI on this machine, into the same embedded s3rver. Peak RSS is the largest process
 * of the pipeline (GNU time's %M: getrusage of the waited-for children). Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { EMBEDDED_S3_CREDENTIALS } from '../cli/local/embedded-s3';
import { createTlsConnector, normalizeFingerprint } from '../lambdas/common/tls-trust';
import { readRequest, report, type PeerRequest } from './protocol';

const API = '/api/npm.backup/1.0';

async function main(): Promise<void> {
  const input = readRequest<PeerRequest>(process.argv);
  const agent = new Agent(
    input.fingerprint256 ? { connect: createTlsConnector('bench-peer', { kind: 'fingerprint', fingerprint256: normalizeFingerprint(input.fingerprint256) }, 5000) } : {},
  );
  let token: string;
  let backupId: string;
  const call = async (method: Dispatcher.HttpMethod, path: string, auth?: string, body?: unknown): Promise<Record<string, unknown>> => {
      const response = await undiciRequest(`${input.deviceUrl}${path}`, {
        method,
        dispatcher: agent,
        headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(auth ? { Authorization: `Bearer ${auth}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`${method} ${path} answered ${response.statusCode}`);
      return response.statusCode === 204 ? {} : ((await response.body.json()) as Record<string, unknown>);
    };
  try {
    const login = await call('POST', '/api/mgmt.aaa/2.0/token', undefined, { user_credentials: { username: input.username, password: input.password }, generate_refresh_token: false });
    token = String(login.access_token);
    backupId = String((await call('POST', `${API}/backups`, token, { description: 'bench peer' })).id);
    for (let polls = 0; ; polls++) {
      const view = await call('GET', `${API}/backups/items/${encodeURIComponent(backupId)}`, token);
      if (view.status === 'completed') break;
      if (view.status === 'failed' || polls > 2400) throw new Error(`backup ${backupId} did not complete`);
      await sleep(50);
    }
  } catch (error) {
    await agent.destroy();
    throw error;
  }

  const url = `${input.deviceUrl}${API}/backups/items/${encodeURIComponent(backupId)}/file`;
  const target = `s3://${input.bucket}/${input.key}`;
  const pipeline = `curl -sSfk '${url}' -H "Authorization: Bearer $PEER_TOKEN" | aws s3 cp - '${target}' --endpoint-url '${input.s3Endpoint}' --expected-size ${input.size} --only-show-errors`;
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M CPU_S=%U+%S', 'bash', '-o', 'pipefail', '-c', pipeline], {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: {
        ...process.env,
        PEER_TOKEN: token,
        AWS_ACCESS_KEY_ID: EMBEDDED_S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: EMBEDDED_S3_CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        // s3rver would store the aws-chunked framing of a trailing checksum as object bytes (see embedded-s3.ts).
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
      },
    });
    let text = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stderr: text }));
  });
  const seconds = (performance.now() - started) / 1000;
  const peak = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  // User + system CPU of the whole pipeline (bash waits for curl and aws, so GNU time counts both).
  const cpu = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  // The appliance keeps two backups: make room for the transfer's, as a cron script would not.
  await call('DELETE', `${API}/backups/items/${encodeURIComponent(backupId)}`, token).finally(() => agent.destroy());
  if (code !== 0) throw new Error(`the peer pipeline failed (exit ${code}): ${stderr.slice(0, 500)}`);
  report({
    kind: 'peer',
    bytes: input.size,
    seconds,
    backupId,
    maxRssBytes: peak ? Number(peak[1]) * 1024 : 0,
    rssBeforeBytes: 0,
    cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0,
    command: pipeline.replace(/'[^']*'/g, "'...'"),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`peer-once failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
