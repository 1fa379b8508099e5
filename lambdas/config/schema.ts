import { z } from 'zod';
import { ScheduleError, validateSchedule } from '../schedule';
import { encryptionSchema, lifecycleSchema, objectLockSchema } from './archive-storage';
import { deviceAddressIssues, deviceUrlIssues, hostKind, hostSchema, networkSchema, urlHost, type NetworkIssue } from './network';
import { secretRefSchema } from './secret-ref';
import { DEFAULT_SECRET_PREFIX, secretScopeIssues, secretScopeSchema } from './secret-scope';

/**
 * The config file's schema (see DESIGN.md, "Config file"). Every object is strict, so a
 * misspelt field is reported instead of silently ignored. Messages say what is allowed.
 */

const positiveInt = (what: string) => z.number().int(`${what} must be a whole number`).positive(`${what} must be at least 1`);

export const deviceIdSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/, 'must be 1-40 characters of a-z, 0-9 and "-" (it is used in S3 keys and execution names)');

/**
 * An http(s) URL with a host. No user name or password in it: credentials belong in the secret,
 * never in a config file that is committed, synthesized into the template and printed in errors.
 * Whether plain `http:` is allowed is the device's choice (`allowInsecureHttp`, deviceUrlIssues).
 */
const httpUrl = z
  .string()
  .superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL with a host, e.g. https://ar11.example.net' });
      return;
    }
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.hostname === '' || hostKind(urlHost(u)) === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL with a host, e.g. https://ar11.example.net' });
    } else if (u.username !== '' || u.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password (user:password@host): credentials go in the Secrets Manager secret' });
    }
  })
  .transform((v) => v.replace(/\/+$/, ''));

const sha256Fingerprint = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .refine(
    (v) => /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(v) || /^[0-9A-F]{64}$/.test(v),
    'must be a SHA-256 certificate fingerprint: 64 hex digits, optionally in colon-separated pairs (openssl x509 -fingerprint -sha256)',
  )
  .transform((v) => (v.includes(':') ? v : v.match(/../g)!.join(':')));

/** TLS trust for one device: system CAs when absent. `caFile` is read at load time into `caPem`. */
export const tlsSchema = z.union(
  [
    z.strictObject({ fingerprint256: sha256Fingerprint }),
    z.strictObject({ caFile: z.string().min(1) }),
    z.strictObject({ caPem: z.string().includes('-----BEGIN CERTIFICATE-----', 'must hold a PEM certificate') }),
  ],
  { error: 'must be one of { fingerprint256: "AB:CD:..." }, { caFile: path/to/ca.pem } or { caPem: "-----BEGIN CERTIFICATE-----..." }' },
);

export const retentionSchema = z.strictObject({
  keepLast: positiveInt('keepLast').optional(),
  keepDaily: positiveInt('keepDaily').optional(),
  keepWeekly: positiveInt('keepWeekly').optional(),
  keepMonthly: positiveInt('keepMonthly').optional(),
  keepYearly: positiveInt('keepYearly').optional(),
});

/**
 * When to back a device up: an RFC 5545 RRULE (bare, or with a DTSTART line) or the npm.backup
 * 2.0 `recurrence_rule` object, in `timezone` (an IANA name; default UTC, or the zone the rule
 * names itself). The rule is parsed and checked here (lambdas/schedule): an invalid rule, an
 * unknown zone, zones that disagree, or a rule with no occurrence at all are refused with the
 * reason. Whether it still has one after today is checked where the config is loaded to act on
 * it now (`scheduleProblemsAt`), not here: the Lambdas re-validate this at every cold start.
 * The output's `timezone` is the zone the rule runs in.
 */
export const scheduleSchema = z
  .strictObject({
    rrule: z.union([z.string().min(1, 'must be an RRULE such as "FREQ=DAILY;BYHOUR=2;BYMINUTE=0"'), z.record(z.string(), z.unknown())]),
    timezone: z.string().min(1, 'must be an IANA time zone such as Europe/Budapest').optional(),
  })
  .transform((schedule, ctx) => {
    try {
      const parsed = validateSchedule(schedule.rrule, schedule.timezone);
      return { rrule: schedule.rrule, timezone: parsed.timezone };
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      ctx.addIssue({ code: 'custom', path: [error.field], message: error.message });
      return z.NEVER;
    }
  });

export const retrySchema = z.strictObject({
  attempts: z.number().int().min(0, 'attempts must be 0 or more').max(10, 'attempts must be at most 10').default(3),
  delayMinutes: z.number().min(0).max(24 * 60).default(10),
});

/** How the workflow waits for the device: first wait, back-off cap, and give-up time. */
export const pollSchema = z.strictObject({
  intervalSeconds: z.number().int().min(1).max(3600).default(15),
  maxIntervalSeconds: z.number().int().min(1).max(3600).default(300),
  timeoutMinutes: z.number().int().min(1).max(7 * 24 * 60).default(240),
});

/**
 * How the restore workflow follows a restore through the device's reboot: poll interval and its
 * back-off cap, how long refused connections, 5xx and 401 are tolerated in a row (the reboot),
 * and the overall give-up time from the start of the restore.
 */
export const restorePollSchema = z
  .strictObject({
    intervalSeconds: z.number().int().min(1).max(3600).default(15),
    maxIntervalSeconds: z.number().int().min(1).max(3600).default(60),
    rebootWindowMinutes: z.number().int().min(1).max(24 * 60).default(30),
    timeoutMinutes: z.number().int().min(1).max(7 * 24 * 60).default(180),
  })
  .refine((p) => p.maxIntervalSeconds >= p.intervalSeconds, { message: 'maxIntervalSeconds must be at least intervalSeconds', path: ['maxIntervalSeconds'] })
  .refine((p) => p.timeoutMinutes >= p.rebootWindowMinutes, { message: 'timeoutMinutes must be at least rebootWindowMinutes', path: ['timeoutMinutes'] });

export const timeoutsSchema = z.strictObject({
  /** TCP + TLS connect. */
  connectSeconds: z.number().positive().max(300).default(10),
  /** Longest silence while waiting for headers or between body chunks. */
  idleSeconds: z.number().positive().max(3600).default(120),
});

/** Fields every device has, whatever its type. */
const deviceBase = {
  id: deviceIdSchema,
  url: httpUrl,
  secret: secretRefSchema('must name the Secrets Manager secret holding the credentials'),
  /** Allows an `http://` url: the credentials and the backup then cross the network in clear text. */
  allowInsecureHttp: z.boolean().optional(),
  tls: tlsSchema.optional(),
  schedule: scheduleSchema.optional(),
  retry: retrySchema.optional(),
  retention: retentionSchema.optional(),
  poll: pollSchema.default({ intervalSeconds: 15, maxIntervalSeconds: 300, timeoutMinutes: 240 }),
  timeouts: timeoutsSchema.default({ connectSeconds: 10, idleSeconds: 120 }),
  /** Following a restore through the reboot (restore workflow). */
  restorePoll: restorePollSchema.default({ intervalSeconds: 15, maxIntervalSeconds: 60, rebootWindowMinutes: 30, timeoutMinutes: 180 }),
  /** Free text recorded in the device-side backup's description after the runner's marker. */
  description: z.string().max(200).optional(),
  /**
   * The smallest share of the previous good backup's size a new backup may have (0-1): a smaller
   * one fails the run instead of being committed. 0 turns the check off.
   */
  minSizeRatio: z.number().min(0, 'minSizeRatio must be between 0 and 1').max(1, 'minSizeRatio must be between 0 and 1').default(0.5),
  /**
   * The rate a restore's upload reaches the device at (10^6 bytes a second): the deployed restore
   * refuses up front a backup whose upload would outlast one UploadToDevice Lambda invocation.
   */
  restoreUpload: z
    .strictObject({ megabytesPerSecond: z.number().positive('megabytesPerSecond must be more than 0').max(100_000).default(10) })
    .default({ megabytesPerSecond: 10 }),
};

export const riverbedNpmV1DeviceSchema = z.strictObject({
  ...deviceBase,
  type: z.literal('riverbed-npm-v1'),
});

/** An SSH host key pinned as OpenSSH prints it (`ssh-keygen -lf key.pub`, `ssh-keyscan host | ssh-keygen -lf -`). */
export const sshHostKeySchema = z
  .string()
  .transform((v) => v.trim())
  .refine(
    (v) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(v),
    'must be an OpenSSH SHA-256 host key fingerprint "SHA256:" + 43 base64 characters (ssh-keyscan -p PORT HOST | ssh-keygen -lf -)',
  );

const sshPort = z.number().int().min(1).max(65535);
const absolutePath = z.string().regex(/^\/[^\0]*$/, 'must be an absolute path on the SSH host, e.g. /srv/backups/fg-east');

/** The SSH host a device pushes its backup to and the runner pulls it from (DESIGN.md, Flow Gateway). */
export const landingSchema = z.strictObject({
  host: hostSchema('must name the landing host (name or IP) as the device reaches it'),
  port: sshPort.default(22),
  path: absolutePath,
  hostKey: sshHostKeySchema,
  /** Secret {"username", "password" and/or "privateKey"}: the device logs in with the password, the runner with the key if given. */
  secret: secretRefSchema('must name the Secrets Manager secret of the landing host account'),
  /** Remove the landed copy once the archive is committed. */
  removeAfterArchive: z.boolean().default(true),
});

export const riverbedFlowGatewayDeviceSchema = z.strictObject({
  ...deviceBase,
  type: z.literal('riverbed-flow-gateway'),
  landing: landingSchema,
});

/** QRadar restore groups known from the JSA 7.5 API reference (restores POST). */
export const qradarRestoreGroups = z.enum(['CUSTOM_RULES_CONFIG', 'DEPLOYMENT_CONFIG', 'USERS_CONFIG', 'LICENSE_CONFIG', 'QVM_CONFIG']);

export const qradarDeviceSchema = z.strictObject({
  ...deviceBase,
  type: z.literal('qradar'),
  backupType: z.enum(['CONFIG', 'DATA']).default('CONFIG'),
  /**
   * `host_id` of the backup (seed 003: a managed host's, "defaults to the Console"); CONFIG
   * backups can only be of the console.
   */
  hostId: z.number().int().nonnegative().optional(),
  /** The SSH service of the host holding the backup file at `content_file_path`: the console unless `host` names another. */
  ssh: z.strictObject({
    /** Inferred: a managed host's backup file lies on that host; name it here (default: the device URL's host). */
    host: z.string().min(1).optional(),
    port: sshPort.default(22),
    hostKey: sshHostKeySchema,
  }),
  /** Delete the backup on the console (DELETE /backups/{id}) once archived; the console then loses its local restore point. */
  removeAfterArchive: z.boolean().default(false),
  /** Groups a restore brings back. */
  restoreGroups: z.array(qradarRestoreGroups).min(1).default(['DEPLOYMENT_CONFIG', 'CUSTOM_RULES_CONFIG', 'USERS_CONFIG', 'LICENSE_CONFIG']),
});

/**
 * The backup server (filer) an npm.backup 2.0 device writes to. Remote (the default): an SSH host
 * the device copies the backup to and the runner fetches it from by SFTP; created on the device
 * from this entry (user and private key from `secret`) when missing. Local (`local: true`): a
 * server the device already has on its own disk; the runner downloads its backups over HTTPS.
 */
export const npmV2ServerSchema = z
  .strictObject({
    name: z.string().min(1, 'must name the backup server (filer) as the device lists it'),
    local: z.boolean().default(false),
    host: hostSchema('must name the filer host (name or IP) as the device reaches it').optional(),
    port: sshPort.default(22),
    path: absolutePath.optional(),
    hostKey: sshHostKeySchema.optional(),
    /** Secret {"username", "privateKey"}: the device logs in to the filer with this key, the runner too. */
    secret: secretRefSchema('must name the Secrets Manager secret of the filer account').optional(),
    description: z.string().max(200).optional(),
    /** Delete the completed backup (on the device and its filer) once the archive is committed. */
    removeAfterArchive: z.boolean().default(true),
  })
  .superRefine((server, ctx) => {
    const remoteOnly = ['host', 'path', 'hostKey', 'secret'] as const;
    for (const field of remoteOnly) {
      if (server.local && server[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'is only used for a remote filer; a local server (local: true) has none' });
      }
      if (!server.local && server[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'is required for a remote filer (or set local: true for the device\'s own disk)' });
      }
    }
  });

/** npm.backup 2.0 `content_info`: what a backup holds (modules with options, or configuration only). */
export const npmV2ContentsSchema = z.strictObject({
  configOnly: z.boolean().default(false),
  modules: z
    .array(
      z.strictObject({
        module: z.string().regex(/^[A-Za-z0-9]+$/, 'must be a module short_name (letters and digits), e.g. as in device_status.available_backup_modules'),
        options: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).default([]),
      }),
    )
    .optional(),
});

export const riverbedNpmV2DeviceSchema = z.strictObject({
  ...deviceBase,
  type: z.literal('riverbed-npm-v2'),
  server: npmV2ServerSchema,
  contents: npmV2ContentsSchema.default({ configOnly: false }),
  /** The device's local server that restores upload to (the upload API is for local servers only); defaults to `server` when it is local. */
  restoreServer: z.string().min(1).optional(),
});

const storwareGuid = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/, 'must be a Storware guid, e.g. f8f73bf9-2445-4bce-a7dd-753be3b40a67');

/** Where Storware's restore-and-import puts a restored entity: a hypervisor or a hypervisor manager, by guid. */
export const storwareRestoreSchema = z
  .strictObject({
    hypervisor: storwareGuid.optional(),
    hypervisorManager: storwareGuid.optional(),
    /** Storage on the target (its id as Storware lists it). */
    storage: z.string().min(1).optional(),
    /** Name of the restored entity; Storware's own default when absent. */
    restoredName: z.string().min(1).optional(),
    overwrite: z.boolean().default(false),
  })
  .refine((r) => (r.hypervisor === undefined) !== (r.hypervisorManager === undefined), 'must name exactly one of hypervisor or hypervisorManager');

export const storwareDeviceSchema = z.strictObject({
  ...deviceBase,
  type: z.literal('storware'),
  protectedEntities: z
    .array(storwareGuid)
    .min(1, 'must list at least one protected entity guid')
    .refine((list) => new Set(list).size === list.length, 'must not list a protected entity twice'),
  backupType: z.enum(['FULL', 'INCREMENTAL']).default('FULL'),
  /** Older Storware versions need the export's backup destination (guid); newer ones take it from the entity's policy. */
  backupDestination: storwareGuid.optional(),
  priority: z.number().int().min(0).max(100).optional(),
  restore: storwareRestoreSchema.optional(),
});

/** One schema per device type; a new driver adds its own here. */
export const deviceSchema = z.discriminatedUnion('type', [riverbedNpmV1DeviceSchema, riverbedFlowGatewayDeviceSchema, qradarDeviceSchema, riverbedNpmV2DeviceSchema, storwareDeviceSchema]);

/** The folder the runner keeps for itself beside the backups; no backup prefix may reach into it. */
export const RUNNER_FOLDER = '_backup-runner/';

/**
 * The key prefix every backup and manifest lives under. The runner's S3 grants end in
 * `<prefix>*`, so the prefix must be literal: no wildcard, no `.`/`..` segment, no leading `/`,
 * and not the runner's own folder.
 */
export const archivePrefixSchema = z.string().superRefine((prefix, ctx) => {
  const problem = archivePrefixProblem(prefix);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Why `prefix` cannot be the backup prefix, or undefined when it can. */
export function archivePrefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const allowed = 'folders of A-Z a-z 0-9 ! _ . \' ( ) -, each ending with "/", e.g. backups/ or site-a/backups/';
  if (prefix.startsWith('/')) return `must not start with "/" (S3 keys have no leading slash): ${allowed}`;
  if (!prefix.endsWith('/')) return `must be empty or end with "/": ${allowed}`;
  const segments = prefix.slice(0, -1).split('/');
  if (segments.some((segment) => segment === '')) return `must not hold an empty folder ("//"): ${allowed}`;
  if (segments.some((segment) => segment === '.' || segment === '..')) return `must not hold a "." or ".." folder: ${allowed}`;
  if (segments.some((segment) => !/^[A-Za-z0-9!_.'()-]+$/.test(segment))) {
    return `must be ${allowed}; "*" and other characters are refused because the runner's S3 grants end in the prefix followed by "*"`;
  }
  if (prefix.startsWith(RUNNER_FOLDER)) return `must not lie in ${RUNNER_FOLDER}, the runner's own folder in the bucket`;
  return undefined;
}

export const archiveSchema = z.strictObject({
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 characters of a-z, 0-9, "." and "-")')
    .optional(),
  prefix: archivePrefixSchema.default('backups/'),
  retention: retentionSchema.optional(),
  /** Tiers, version expiry and multipart clean-up; checked against S3's rules (archive-storage.ts). */
  lifecycle: lifecycleSchema.optional(),
  /** SSE-KMS with a customer-managed key; SSE-S3 when absent. */
  encryption: encryptionSchema.optional(),
  objectLock: objectLockSchema.optional(),
  /**
   * Thawing backups from GLACIER / DEEP_ARCHIVE for a restore: the RestoreObject tier and how
   * many days the thawed copy stays readable (billed as STANDARD meanwhile).
   */
  restore: z
    .strictObject({
      tier: z.enum(['Standard', 'Bulk', 'Expedited'], { error: 'must be Standard, Bulk or Expedited' }).default('Standard'),
      days: z.number().int('days must be a whole number').min(1, 'days must be at least 1').max(30, 'days must be at most 30').default(3),
    })
    .default({ tier: 'Standard', days: 3 }),
  s3: z
    .strictObject({
      endpoint: httpUrl.optional(),
      region: z.string().default('us-east-1'),
      forcePathStyle: z.boolean().default(true),
      /** Full-object checksum uploads ask for: the embedded s3rver stores none; moto, MinIO and AWS do. */
      checksum: z.enum(['CRC64NVME', 'CRC32C', 'none'], { error: 'must be CRC64NVME, CRC32C or none' }).default('none'),
    })
    .optional(),
});

export const workflowSchema = z.strictObject({
  /** Overall limit for one backup execution. */
  timeoutHours: z.number().positive().max(24 * 7).default(12),
  /**
   * At most this many seconds of transfer per TransferToArchive invocation before it hands over to
   * the next one (on top of the Lambda's own remaining time); for tests, benchmarks and local runs.
   */
  transferBudgetSeconds: z.number().positive('transferBudgetSeconds must be more than 0').max(900, 'transferBudgetSeconds must be at most 900 (a Lambda invocation)').optional(),
  /**
   * What the state machines write to their log groups. By default errors only, without execution
   * data: a state's input and output are ids and paths, but an error's cause quotes the device, and
   * a log group keeps what it is given for its whole retention.
   */
  stateMachineLogs: z
    .strictObject({
      level: z.enum(['OFF', 'FATAL', 'ERROR', 'ALL'], { error: 'must be OFF, FATAL, ERROR or ALL' }).default('ERROR'),
      includeExecutionData: z.boolean().default(false),
    })
    .default({ level: 'ERROR', includeExecutionData: false }),
  /**
   * Reserved concurrency of the functions that move backup files (TransferToArchive, UploadToDevice):
   * caps how many transfers run at once (bandwidth, the account's Lambda concurrency) and keeps that
   * many always available to them. None by default.
   */
  transferReservedConcurrency: z.number().int('transferReservedConcurrency must be a whole number').min(1).max(1000).optional(),
});

/** The workflow section when the config has none. */
export const WORKFLOW_DEFAULTS = { timeoutHours: 12, stateMachineLogs: { level: 'ERROR', includeExecutionData: false } } as const;

/**
 * The dispatcher (lambdas/dispatcher): how often it ticks, how late a missed occurrence may
 * still start, how starts are spread, and an optional fleet-wide cap on running backups.
 */
export const schedulerSchema = z.strictObject({
  /** Minutes between dispatcher ticks (the EventBridge rule's rate). */
  tickMinutes: z.number().int('tickMinutes must be a whole number').min(1, 'tickMinutes must be at least 1').max(60, 'tickMinutes must be at most 60').default(5),
  /** A missed occurrence (outage, deferral) older than this is reported and not started. */
  maxLatenessMinutes: z.number().int('maxLatenessMinutes must be a whole number').min(0).max(7 * 24 * 60).default(360),
  /** Each device's occurrences start a stable offset (a hash of its id) in [0, jitterMinutes) later. */
  jitterMinutes: z.number().min(0).max(24 * 60).default(0),
  /** At most this many backup executions run at once; the rest wait for later ticks, in order. */
  maxConcurrentBackups: positiveInt('maxConcurrentBackups').optional(),
});

/** Alert delivery: e-mail addresses subscribed to the alerts SNS topic (each confirms the subscription). */
export const alertsSchema = z.strictObject({
  email: z
    .union([z.email('must be an e-mail address'), z.array(z.email('must be an e-mail address')).min(1, 'must list at least one address')])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional(),
});

export const configSchema = z
  .strictObject({
    archive: archiveSchema,
    workflow: workflowSchema.default(WORKFLOW_DEFAULTS),
    scheduler: schedulerSchema.default({ tickMinutes: 5, maxLatenessMinutes: 360, jitterMinutes: 0 }),
    devices: z.array(deviceSchema).min(1, 'must list at least one device'),
    /** VPC placement of the device-facing Lambdas (./network.ts); absent: no VPC, for devices with public addresses. */
    network: networkSchema.optional(),
    /** Where alarms and restore events are sent (infra/constructs/monitoring.ts); absent: the SNS topic has no subscription. */
    alerts: alertsSchema.optional(),
    /** Which Secrets Manager secrets the functions may read (./secret-scope.ts); default: names under backup-runner/. */
    secrets: secretScopeSchema.default({ prefix: DEFAULT_SECRET_PREFIX }),
  })
  // Runs even when other fields failed (`when`), so a missing `archive` or one bad device does not
  // hide the others' problems: every config error is reported at once. The checks read the devices
  // defensively, as some of them may be the unparsed input.
  .superRefine(
    (config, ctx) => {
      const seen = new Map<string, number>();
      config.devices.forEach((device, index) => {
        if (!isDeviceLike(device)) return;
        const first = seen.get(device.id);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['devices', index, 'id'], message: `duplicates devices[${first}].id "${device.id}": ids must be unique` });
        } else {
          seen.set(device.id, index);
        }
        if (device.poll && device.poll.maxIntervalSeconds < device.poll.intervalSeconds) {
          ctx.addIssue({ code: 'custom', path: ['devices', index, 'poll', 'maxIntervalSeconds'], message: 'must be at least poll.intervalSeconds' });
        }
        for (const issue of deviceUrlIssues(device)) ctx.addIssue({ code: 'custom', path: ['devices', index, ...issue.path], message: issue.message });
      });
      // Device hosts are IPs or names; with a VPC, ones its Lambdas can reach and its security group can name.
      let addressIssues: NetworkIssue[] = [];
      try {
        addressIssues = deviceAddressIssues(config.devices, isRecord(config.network) || config.network === undefined ? config.network : undefined);
      } catch {
        // A malformed network section is reported at its own path; the address checks need it whole.
      }
      for (const issue of addressIssues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      // One grant covers the fleet (a prefix or a tag), so a secret outside it would be refused at run time: say so now.
      if (isRecord(config.secrets)) {
        for (const issue of secretScopeIssues(config.devices, config.secrets)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    },
    { when: (payload) => isRecord(payload.value) && Array.isArray(payload.value.devices) },
  );

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A device entry far enough parsed for the cross-device checks: an object with a string id. */
function isDeviceLike(device: unknown): device is DeviceConfig {
  return isRecord(device) && typeof device.id === 'string';
}

export type RunnerConfig = z.output<typeof configSchema>;
export type DeviceConfig = z.output<typeof deviceSchema>;
export type DeviceType = DeviceConfig['type'];
export type ArchiveConfig = z.output<typeof archiveSchema>;
export type TlsConfig = z.output<typeof tlsSchema>;
export type RetentionConfig = z.output<typeof retentionSchema>;
export type WorkflowConfig = z.output<typeof workflowSchema>;
export type SchedulerConfig = z.output<typeof schedulerSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type { SecretScope } from './secret-scope';
export type RetryConfig = z.output<typeof retrySchema>;
export type FlowGatewayDeviceConfig = z.output<typeof riverbedFlowGatewayDeviceSchema>;
export type QRadarDeviceConfig = z.output<typeof qradarDeviceSchema>;
export type LandingConfig = z.output<typeof landingSchema>;
export type NpmV2DeviceConfig = z.output<typeof riverbedNpmV2DeviceSchema>;
export type StorwareDeviceConfig = z.output<typeof storwareDeviceSchema>;
export type RestorePollConfig = z.output<typeof restorePollSchema>;
export type ArchiveRestoreConfig = z.output<typeof archiveSchema>['restore'];
