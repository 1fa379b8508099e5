import { z } from 'zod';

/**
 * How the archive bucket stores backups: lifecycle tiers, encryption and Object Lock (config
 * `archive.lifecycle`, `archive.encryption`, `archive.objectLock`). S3 refuses some lifecycle
 * configurations only at deploy time, deep in a CloudFormation rollback; the rules it enforces are
 * checked here instead, so `cdk synth` and every CLI call name the field and what is allowed.
 */

/**
 * Lifecycle target classes in the only order S3 moves objects between them (its "waterfall"):
 * a later transition must go to a class further right.
 */
export const TRANSITION_STORAGE_CLASSES = ['STANDARD_IA', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'] as const;
export type TransitionStorageClass = (typeof TRANSITION_STORAGE_CLASSES)[number];

/** Classes S3 lets objects enter only 30 days after creation, and leave only 30 days later. */
const INFREQUENT_ACCESS = new Set<TransitionStorageClass>(['STANDARD_IA', 'ONEZONE_IA']);
const IA_MINIMUM_DAYS = 30;

/** S3's largest object, the upper bound of `ObjectSizeGreaterThan`. */
const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

export interface Transition {
  days: number;
  storageClass: TransitionStorageClass;
}

export interface LifecycleProblem {
  /** Relative to `archive.lifecycle`. */
  path: (string | number)[];
  message: string;
}

/**
 * The reasons S3 would refuse these transitions (pure; the schema reports each with its path):
 * days must grow, classes must follow the waterfall, STANDARD_IA / ONEZONE_IA need 30 days after
 * creation, and an object must stay 30 days in one of them before the next transition.
 */
export function transitionProblems(transitions: readonly Transition[]): LifecycleProblem[] {
  const problems: LifecycleProblem[] = [];
  transitions.forEach((transition, index) => {
    const at = (field: keyof Transition) => ['transitions', index, field];
    if (INFREQUENT_ACCESS.has(transition.storageClass) && transition.days < IA_MINIMUM_DAYS) {
      problems.push({
        path: at('days'),
        message: `must be at least ${IA_MINIMUM_DAYS} for ${transition.storageClass}: S3 moves objects there only ${IA_MINIMUM_DAYS} days or more after they were stored`,
      });
    }
    const previous = transitions[index - 1];
    if (previous === undefined) return;
    if (transition.days <= previous.days) {
      problems.push({
        path: at('days'),
        message: `must be more than transitions[${index - 1}].days (${previous.days}): list transitions in the order they happen`,
      });
    } else if (INFREQUENT_ACCESS.has(previous.storageClass) && transition.days - previous.days < IA_MINIMUM_DAYS) {
      problems.push({
        path: at('days'),
        message: `must be at least ${previous.days + IA_MINIMUM_DAYS}: S3 keeps objects ${IA_MINIMUM_DAYS} days in ${previous.storageClass} (transitions[${index - 1}]) before moving them on`,
      });
    }
    if (TRANSITION_STORAGE_CLASSES.indexOf(transition.storageClass) <= TRANSITION_STORAGE_CLASSES.indexOf(previous.storageClass)) {
      problems.push({
        path: at('storageClass'),
        message: `${transition.storageClass} cannot follow ${previous.storageClass}: S3 only moves objects on in the order ${TRANSITION_STORAGE_CLASSES.join(' -> ')}`,
      });
    }
  });
  return problems;
}

export const lifecycleSchema = z
  .strictObject({
    /** Applied to backup objects only (by their tag); manifests stay in STANDARD. */
    transitions: z
      .array(
        z.strictObject({
          days: z.number().int('must be a whole number of days').min(0, 'must be 0 or more days after the backup was stored'),
          storageClass: z.enum(TRANSITION_STORAGE_CLASSES, {
            error: `must be one of ${TRANSITION_STORAGE_CLASSES.join(', ')}`,
          }),
        }),
      )
      .default([]),
    /**
     * Only backups larger than this many bytes transition. Absent: S3's default applies, which
     * (since September 2024) does not transition objects smaller than 128 KiB; a small config-only
     * backup then simply stays in STANDARD. Set it lower (e.g. 0) to move small backups too.
     */
    objectSizeGreaterThan: z
      .number()
      .int('must be a whole number of bytes')
      .min(0, 'must be 0 or more bytes')
      .max(MAX_OBJECT_BYTES - 1, 'must be below 5 TiB, the largest S3 object')
      .optional(),
    /** Days after an object is overwritten or deleted before the old version is removed for good. */
    noncurrentVersionExpirationDays: z.number().int('must be a whole number of days').positive('must be at least 1 day').optional(),
    /** Days after which the parts of an interrupted multipart upload are removed. */
    abortIncompleteMultipartUploadDays: z.number().int('must be a whole number of days').positive('must be at least 1 day').default(2),
  })
  .superRefine((lifecycle, ctx) => {
    for (const problem of transitionProblems(lifecycle.transitions)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  });

const kmsKeyArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    'must be the ARN of a KMS key, arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (not an alias: the grants need the key itself)',
  );

/** SSE-S3 when absent; SSE-KMS with a customer-managed key (imported by ARN, or created by the stack). */
export const encryptionSchema = z.strictObject({
  kms: z.union([z.strictObject({ keyArn: kmsKeyArn }), z.strictObject({ create: z.literal(true) })], {
    error: 'must be { keyArn: "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID" } or { create: true }',
  }),
});

/** Default retention of every new object version; S3 allows at most 100 years. */
export const objectLockSchema = z.strictObject({
  mode: z.enum(['GOVERNANCE', 'COMPLIANCE'], { error: 'must be GOVERNANCE (privileged users may lift it) or COMPLIANCE (nobody can, not even root)' }),
  days: z.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(36_500, 'must be at most 36500 days (100 years)'),
});

export type LifecycleConfig = z.output<typeof lifecycleSchema>;
export type EncryptionConfig = z.output<typeof encryptionSchema>;
export type ObjectLockConfig = z.output<typeof objectLockSchema>;
