import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { configEmbedding } from './embedded-config';

/** The repository root: bundling resolves entries, the lock file and esbuild from here, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunnerFunctionProps {
  /** The validated runner config, embedded in the bundle. */
  readonly config: RunnerConfig;
  /** Entry file exporting `handler`. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** Extra environment variables (POWERTOOLS_SERVICE_NAME and NODE_OPTIONS are always set). */
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Construct id of the function's log group. @default `${id}Logs` */
  readonly logGroupId?: string;
  /** Further function options (VPC placement, reserved concurrency...). */
  readonly functionProps?: Partial<nodejs.NodejsFunctionProps>;
}

/**
 * Every Lambda of the runner is built the same way: Node 24 on ARM, an ESM bundle made by the
 * local esbuild (no Docker), the pinned AWS SDK inside, the config embedded, its own log group.
 */
export class RunnerFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: RunnerFunctionProps) {
    const embedding = configEmbedding(props.config);
    const logGroup = new logs.LogGroup(scope, props.logGroupId ?? `${id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'backup-runner',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // The map only needs positions for stack traces; the sources would double the bundle.
        sourcesContent: false,
        target: 'node24',
        // The code is ESM (import.meta); the banner lets bundled CommonJS dependencies still
        // call require() for Node built-ins.
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: "import { createRequire as __backupRunnerCreateRequire } from 'node:module'; const require = __backupRunnerCreateRequire(import.meta.url);",
        // Bundle the pinned AWS SDK too: what runs in Lambda is what the tests ran.
        externalModules: [],
        // ssh2 tries optional native add-ons (its crypto binding, cpu-features) inside try/catch
        // and falls back to pure JavaScript; the add-ons are never built for Lambda, so drop them.
        loader: { '.node': 'empty' },
        define: embedding.define,
        ...(embedding.inject ? { inject: embedding.inject } : {}),
      },
      ...props.functionProps,
    });
  }
}
