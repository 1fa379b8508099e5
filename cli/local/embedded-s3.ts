import { S3Client } from '@aws-sdk/client-s3';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * An S3 endpoint on 127.0.0.1 for local runs, the demo and integration tests: s3rver 3.7.1
 * (a real S3 protocol server keeping objects as files under `directory`).
 *
 * s3rver quirks, checked against @aws-sdk/client-s3 3.1169 and lib-storage 3.1169:
 * - It implements neither AbortMultipartUpload (DELETE ?uploadId answers 405 MethodNotAllowed)
 *   nor ListMultipartUploads (GET ?uploads answers 501 NotImplemented). lib-storage aborts a
 *   failed multipart upload, and when the abort itself fails it throws the abort's error instead
 *   of the original one (a DeviceUnreachable would turn into a MethodNotAllowed). So this module
 *   adds both operations in front of s3rver's router (see `multipartShim`), working on s3rver's
 *   own upload folder `<directory>/<bucket>/._S3rver_uploads/<uploadId>/`. It adds ListParts too
 *   (GET ?uploadId), which a transfer resumed in another invocation needs for the earlier parts'
 *   ETags: the shim keeps each part's ETag beside it (`<n>.etag`) as the part is stored.
 * - Checksums: with the SDK's default (requestChecksumCalculation WHEN_SUPPORTED) a PutObject with a
 *   stream body is sent aws-chunked with a trailing CRC32, and s3rver stores the chunk framing as part
 *   of the object (checked: a 1000-byte stream came back as 1043 bytes). Buffer bodies, which is what
 *   lib-storage sends, survive, but the client below uses WHEN_REQUIRED for requests and responses so
 *   every body goes plain. s3rver neither checks nor returns x-amz-checksum-* values: test checksum
 *   behaviour against moto or real S3.
 * - No versioning, Object Lock, storage classes or RestoreObject: VersionId is always absent.
 * - Signatures are checked against its built-in account S3RVER/S3RVER, hence the dummy credentials.
 */
export interface EmbeddedS3Options {
  /** Where s3rver keeps buckets and objects; created if missing. */
  directory: string;
  /** 0 (the default) lets the OS choose a free port. */
  port?: number;
  /** Buckets to create when missing. */
  buckets?: string[];
}

export interface EmbeddedS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** A client configured for this endpoint (path style, us-east-1, dummy credentials). */
  client: S3Client;
  /** Stops the server and the client; the data stays in `directory`. */
  close(): Promise<void>;
}

/** The part of s3rver's (untyped, CommonJS) API used here. */
interface S3rverInstance {
  middleware: KoaMiddleware[];
  logger: { silent: boolean };
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections(): void };
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverInstance;

/** The few Koa context members the shim touches. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
  /** A request header (empty string when absent). */
  get(field: string): string;
  response: { get(field: string): string };
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

const require = createRequire(import.meta.url);

/** The account s3rver verifies signatures against. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Starts s3rver on 127.0.0.1 and returns its endpoint and a client for it. */
export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const S3rver = require('s3rver') as S3rverConstructor;
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  // `silent` only silences the console transport: once close() has removed it, requests that
  // finish late would still make winston complain on stderr. Silencing the logger stops both.
  server.logger.silent = true;
  // Koa composes `middleware` when the server starts listening, so a middleware put first here
  // runs before s3rver's router.
  server.middleware.unshift(multipartShim(options.directory));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = createEmbeddedS3Client(endpoint);
  let closed = false;
  return {
    endpoint,
    client,
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      // Keep-alive sockets would hold close() open until they time out.
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}

/** An S3Client for an s3rver endpoint (see the quirks above for the checksum settings). */
export function createEmbeddedS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: EMBEDDED_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const UPLOADS_FOLDER = '._S3rver_uploads';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const BUCKET_PATH = /^\/([^/]+)\/?$/;
const OBJECT_PATH = /^\/([^/]+)\/.+$/;

/** AbortMultipartUpload, ListMultipartUploads and ListParts, which s3rver lacks, on its own upload folder. */
function multipartShim(directory: string): KoaMiddleware {
  return async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    const objectMatch = OBJECT_PATH.exec(ctx.path);
    if (ctx.method === 'DELETE' && objectMatch && typeof uploadId === 'string') {
      const bucket = objectMatch[1]!;
      const uploadDir = join(directory, bucket, UPLOADS_FOLDER, uploadId);
      if (!UPLOAD_ID.test(uploadId) || !(await exists(uploadDir))) {
        sendXml(ctx, 404, errorXml('NoSuchUpload', 'The specified upload does not exist.'));
        return;
      }
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    if (ctx.method === 'GET' && objectMatch && typeof uploadId === 'string') {
      const uploadDir = join(directory, objectMatch[1]!, UPLOADS_FOLDER, uploadId);
      if (!UPLOAD_ID.test(uploadId) || !(await exists(uploadDir))) {
        sendXml(ctx, 404, errorXml('NoSuchUpload', 'The specified upload does not exist.'));
        return;
      }
      sendXml(ctx, 200, await listPartsXml(uploadDir, uploadId));
      return;
    }
    if (ctx.method === 'PUT' && objectMatch && typeof uploadId === 'string' && typeof ctx.query.partNumber === 'string' && !ctx.get('x-amz-copy-source')) {
      await next();
      // Keep each part's ETag beside it, for ListParts (s3rver computes it on arrival only).
      const etag = ctx.response.get('ETag');
      if (ctx.status === 200 && etag && UPLOAD_ID.test(uploadId) && /^\d+$/.test(ctx.query.partNumber)) {
        await writeFile(join(directory, objectMatch[1]!, UPLOADS_FOLDER, uploadId, `${ctx.query.partNumber}.etag`), etag).catch(() => undefined);
      }
      return;
    }
    const bucketMatch = BUCKET_PATH.exec(ctx.path);
    if (ctx.method === 'GET' && bucketMatch && 'uploads' in ctx.query) {
      const bucket = bucketMatch[1]!;
      if (!(await exists(join(directory, bucket)))) {
        sendXml(ctx, 404, errorXml('NoSuchBucket', 'The specified bucket does not exist'));
        return;
      }
      sendXml(ctx, 200, await listUploadsXml(directory, bucket));
      return;
    }
    await next();
  };
}

async function listUploadsXml(directory: string, bucket: string): Promise<string> {
  const root = join(directory, bucket, UPLOADS_FOLDER);
  const ids = (await exists(root)) ? (await readdir(root)).filter((id) => UPLOAD_ID.test(id)).sort() : [];
  const uploads = await Promise.all(
    ids.map(async (id) => {
      const key = await readFile(join(root, id, 'key'), 'utf8').catch(() => '');
      return `<Upload><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId></Upload>`;
    }),
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${escapeXml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}` +
    '</ListMultipartUploadsResult>'
  );
}

/** ListParts (all parts in one page) from the part files and the ETags the shim kept. */
async function listPartsXml(uploadDir: string, uploadId: string): Promise<string> {
  const numbers = (await readdir(uploadDir)).filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
  const parts = await Promise.all(
    numbers.map(async (n) => {
      const [info, etag] = await Promise.all([stat(join(uploadDir, String(n))), readFile(join(uploadDir, `${n}.etag`), 'utf8').catch(() => '')]);
      return `<Part><PartNumber>${n}</PartNumber><ETag>${escapeXml(etag)}</ETag><Size>${info.size}</Size></Part>`;
    }),
  );
  const key = await readFile(join(uploadDir, 'key'), 'utf8').catch(() => '');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}` +
    '</ListPartsResult>'
  );
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

function sendXml(ctx: KoaContext, status: number, xml: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = xml;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

async function exists(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    () => false,
  );
}
