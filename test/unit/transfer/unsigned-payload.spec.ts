import { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Agent, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPart } from '../../../lambdas/transfer/resumable/multipart';
import { payloadNeedsSigning } from '../../../lambdas/transfer/resumable/unsigned-payload';

describe('payloadNeedsSigning', () => {
  it.each([
    ['https:', 's3.eu-west-1.amazonaws.com', false],
    ['https:', '10.0.0.5', false],
    ['http:', '127.0.0.1', false],
    ['http:', '127.10.0.3', false],
    ['http:', 'localhost', false],
    ['http:', '[::1]', false],
    ['http:', '10.0.0.5', true],
    ['http:', 'minio.backup.internal', true],
    ['http:', '127.example.net', true],
  ])('%s//%s -> %s', (protocol, hostname, signed) => {
    expect(payloadNeedsSigning({ protocol, hostname })).toBe(signed);
  });
});

/** An S3 stand-in on loopback that records each request's headers and body, answering UploadPart. */
let server: Server;
let port: number;
const seen: { headers: IncomingHttpHeaders; body: Buffer }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { ETag: '"0123456789abcdef0123456789abcdef"' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function clientFor(endpoint: string, agent?: Agent): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(agent ? { requestHandler: { httpAgent: agent } } : {}),
  });
}

describe('uploadPart signs the payload only where nothing else protects it', () => {
  const part = Buffer.from('appliance backup part '.repeat(1000));

  it('sends UNSIGNED-PAYLOAD to a loopback endpoint', async () => {
    seen.length = 0;
    const s3 = clientFor(`http://127.0.0.1:${port}`);
    await uploadPart({ s3, bucket: 'archive', key: 'k', deviceId: 'ar11-lab' }, 'upload-1', 1, part, undefined);
    s3.destroy();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(seen[0]!.headers.authorization).toContain('x-amz-content-sha256');
    expect(seen[0]!.body.equals(part)).toBe(true);
  });

  it('keeps the SDK signed payload over plain HTTP to another host', async () => {
    seen.length = 0;
    // The name is another host's; the agent's lookup sends the connection to the stand-in.
    const agent = new Agent({ lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]) } as ConstructorParameters<typeof Agent>[0]);
    const s3 = clientFor(`http://minio.backup.internal:${port}`, agent);
    await uploadPart({ s3, bucket: 'archive', key: 'k', deviceId: 'ar11-lab' }, 'upload-1', 1, part, undefined);
    s3.destroy();
    agent.destroy();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.host).toBe(`minio.backup.internal:${port}`);
    expect(seen[0]!.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(part).digest('hex'));
  });
});
