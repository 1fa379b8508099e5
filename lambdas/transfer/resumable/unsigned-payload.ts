/**
 * The JavaScript SDK puts the SHA-256 of every Buffer body into its SigV4 signature, so each part
 * is hashed a second time (we hash the whole stream for the manifest already): about 1.3 CPU
 * seconds per GiB here, a sixth of the transfer's CPU. That hash only guards the bytes on the
 * wire. Where TLS already does (https, as botocore and the AWS CLI decide for S3) or where the bytes
 * never leave the machine (a loopback endpoint), the part is sent with UNSIGNED-PAYLOAD instead.
 * Over plain HTTP to another host the SDK's signed payload stays.
 */
export function payloadNeedsSigning(endpoint: { protocol: string; hostname: string }): boolean {
  if (endpoint.protocol === 'https:') return false;
  return !isLoopback(endpoint.hostname);
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const SHA256_HEADER = 'x-amz-content-sha256';

/** The part of a command the middleware needs (UploadPartCommand, PutObjectCommand). */
interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (next: (args: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => Promise<unknown>,
      options: { step: 'build'; name: string },
    ): void;
  };
}

/** Marks the command's payload UNSIGNED-PAYLOAD when payloadNeedsSigning says it may be; returns the command. */
export function withUnsignedPayloadWhereSafe<C>(command: C): C {
  (command as unknown as WithMiddleware).middlewareStack.add(
    (next) => async (args) => {
      // By the build step the endpoint is resolved into the request.
      const request = args.request as { protocol?: string; hostname?: string; headers?: Record<string, string> } | undefined;
      if (request?.headers && request.protocol && request.hostname && !(SHA256_HEADER in request.headers)) {
        if (!payloadNeedsSigning({ protocol: request.protocol, hostname: request.hostname })) request.headers[SHA256_HEADER] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    { step: 'build', name: 'backupRunnerUnsignedPayload' },
  );
  return command;
}
