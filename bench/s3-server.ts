/**
 * Child process of the benchmark: the embedded s3rver (cli/local/embedded-s3) in a process of its
 * own, so that it does not share one JavaScript thread with the device simulator in the parent.
 * Prints one JSON line with its endpoint once it listens; stops on SIGTERM or when stdin closes.
 */
import { startEmbeddedS3 } from '../cli/local/embedded-s3';

interface S3ServerRequest {
  directory: string;
  buckets: string[];
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as S3ServerRequest;
  const s3 = await startEmbeddedS3({ directory: request.directory, buckets: request.buckets });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await s3.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ kind: 's3', endpoint: s3.endpoint })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`s3-server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
