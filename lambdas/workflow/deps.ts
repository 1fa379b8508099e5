import type { S3Client } from '@aws-sdk/client-s3';
import { createDeviceHttpClient, type DeviceHttpClient } from '../common/http';
import { withDevice } from '../common/errors';
import type { Log } from '../common/log';
import type { SecretSource } from '../common/secrets';
import type { ArchiveChecksumOption } from '../transfer/archive-object';
import { findDevice } from '../config/load';
import type { DeviceConfig, DeviceType, RunnerConfig } from '../config/schema';
import type { Driver, DriverFactory } from '../drivers/driver';
import { driverFor } from '../drivers/registry';

/** Everything a workflow step needs from the outside world; handlers and the local runner build it. */
export interface StepDeps {
  config: RunnerConfig;
  /**
   * `checksum`: the full-object checksum uploads ask S3 to store; default CRC64NVME (real S3).
   * Local runs against s3rver, which stores none, pass 'none'.
   */
  archive: { bucket: string; s3: S3Client; checksum?: ArchiveChecksumOption };
  secrets: SecretSource;
  log: Log;
  now: () => Date;
  /**
   * How long one UploadToDevice invocation may run (the deployed Lambda's timeout); absent where
   * nothing limits it (local runs of the restore workflow).
   */
  uploadTimeLimitSeconds?: number;
  /** Swapped in tests; the default is the undici client with the device's TLS trust. */
  createHttp?: (device: DeviceConfig) => DeviceHttpClient;
  /** Swapped in tests; the default is the registry of drivers keyed by device type. */
  driverFor?: (type: DeviceType) => DriverFactory;
}

/**
 * Runs `use` with a fresh driver for the device (fresh login, fresh connections: tokens do not
 * survive long waits or reboots) and closes its connections afterwards. Errors leave with the
 * device id in their message and their type intact, so Retry/Catch rules still match.
 */
export async function withDriver<T>(
  deps: StepDeps,
  deviceId: string,
  use: (driver: Driver, device: DeviceConfig) => Promise<T>,
): Promise<T> {
  const device = findDevice(deps.config, deviceId);
  let http: DeviceHttpClient | undefined;
  try {
    const secret = await deps.secrets.get(device.secret);
    http = (deps.createHttp ?? ((d) => createDeviceHttpClient(d, { log: deps.log })))(device);
    const driver = (deps.driverFor ?? driverFor)(device.type)({
      device,
      secret,
      // Second secrets (a landing host's) are read only by the steps that use them.
      readSecret: (name) => deps.secrets.get(name),
      http,
      log: deps.log,
      now: deps.now,
    });
    return await use(driver, device);
  } catch (error) {
    throw withDevice(error, device.id);
  } finally {
    await http?.close().catch(() => undefined);
  }
}
