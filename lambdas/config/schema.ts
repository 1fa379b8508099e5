import { z } from 'zod';

/**
 * The config file's schema (see DESIGN.md, "Config file"). Every object is strict, so a
 * misspelt field is reported instead of silently ignored. Messages say what is allowed.
 */

const positiveInt = (what: string) => z.number().int(`${what} must be a whole number`).positive(`${what} must be at least 1`);

export const deviceIdSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/, 'must be 1-40 characters of a-z, 0-9 and "-" (it is used in S3 keys and execution names)');

const httpUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL with a host, e.g. https://ar11.example.net')
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

export const scheduleSchema = z.strictObject({
  rrule: z.union([z.string().min(1, 'must be an RRULE such as "FREQ=DAILY;BYHOUR=2;BYMINUTE=0"'), z.record(z.string(), z.unknown())]),
  timezone: z.string().min(1).default('UTC'),
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
  secret: z.string().min(1, 'must name the Secrets Manager secret holding the credentials'),
  tls: tlsSchema.optional(),
  schedule: scheduleSchema.optional(),
  retry: retrySchema.optional(),
  retention: retentionSchema.optional(),
  poll: pollSchema.default({ intervalSeconds: 15, maxIntervalSeconds: 300, timeoutMinutes: 240 }),
  timeouts: timeoutsSchema.default({ connectSeconds: 10, idleSeconds: 120 }),
  /** Free text recorded in the device-side backup's description after the runner's marker. */
  description: z.string().max(200).optional(),
};

export const riverbedNpmV1DeviceSchema = z.strictObject({
  ...deviceBase,
  type: z.literal('riverbed-npm-v1'),
});

/** One schema per device type; a new driver adds its own here. */
export const deviceSchema = z.discriminatedUnion('type', [riverbedNpmV1DeviceSchema]);

const storageClass = z.enum(['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']);

export const archiveSchema = z.strictObject({
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 characters of a-z, 0-9, "." and "-")')
    .optional(),
  prefix: z
    .string()
    .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'must be empty or end with "/", e.g. backups/')
    .default('backups/'),
  retention: retentionSchema.optional(),
  lifecycle: z
    .strictObject({
      transitions: z.array(z.strictObject({ days: z.number().int().min(0), storageClass })).default([]),
      noncurrentVersionExpirationDays: z.number().int().positive().optional(),
    })
    .optional(),
  objectLock: z.strictObject({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), days: positiveInt('days') }).optional(),
  s3: z
    .strictObject({
      endpoint: httpUrl.optional(),
      region: z.string().default('us-east-1'),
      forcePathStyle: z.boolean().default(true),
    })
    .optional(),
});

export const workflowSchema = z.strictObject({
  /** Overall limit for one backup execution. */
  timeoutHours: z.number().positive().max(24 * 7).default(12),
});

export const configSchema = z
  .strictObject({
    archive: archiveSchema,
    workflow: workflowSchema.default({ timeoutHours: 12 }),
    devices: z.array(deviceSchema).min(1, 'must list at least one device'),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.devices.forEach((device, index) => {
      const first = seen.get(device.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['devices', index, 'id'], message: `duplicates devices[${first}].id "${device.id}": ids must be unique` });
      } else {
        seen.set(device.id, index);
      }
      if (device.poll.maxIntervalSeconds < device.poll.intervalSeconds) {
        ctx.addIssue({ code: 'custom', path: ['devices', index, 'poll', 'maxIntervalSeconds'], message: 'must be at least poll.intervalSeconds' });
      }
    });
  });

export type RunnerConfig = z.output<typeof configSchema>;
export type DeviceConfig = z.output<typeof deviceSchema>;
export type DeviceType = DeviceConfig['type'];
export type ArchiveConfig = z.output<typeof archiveSchema>;
export type TlsConfig = z.output<typeof tlsSchema>;
export type RetentionConfig = z.output<typeof retentionSchema>;
