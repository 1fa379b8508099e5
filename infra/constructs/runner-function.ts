import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { EXEC_WRAPPER_FILE, EXEC_WRAPPER_PATH, EXEC_WRAPPER_SOURCE } from '../lambda-runtime/exec-wrapper';
import { configEmbedding } from './embedded-config';

/** Optional native add-ons that bundles leave out; their users fall back to JavaScript when the require fails. */
export const OPTIONAL_NATIVE_MODULES = ['cpu-features'] as const;

/** The repository root: bundling resolves entries, the lock file and esbuild from here, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunnerFunctionProps {
  /** The validated runner config, embedded in the bundle. */
  readonly config: RunnerConfig;
  /** Entry file exporting `handler`. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** Extra environment variables (POWERTOOLS_SERVICE_NAME, NODE_OPTIONS and AWS_LAMBDA_EXEC_WRAPPER are always set). */
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Construct id of the function's log group. @default `${id}Logs` */
  readonly logGroupId?: string;
  /** Further function options (VPC placement, reserved concurrency...). */
  readonly functionProps?: Partial<nodejs.NodejsFunctionProps>;
  /**
   * Runs the function in the customer's VPC (device-facing functions; DeviceNetwork in network.ts).
   * @default - outside any VPC
   */
  readonly placement?: FunctionPlacement;
}

/** A VPC placement for a RunnerFunction: subnets, security group, and the policy its role needs for network interfaces. */
export interface FunctionPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: readonly ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  readonly eniPolicy: iam.IManagedPolicy;
}

/**
 * Every Lambda of the runner is built the same way: Node 24 on ARM, an ESM bundle made by the
 * local esbuild (no Docker), the pinned AWS SDK inside, the config embedded, its own log group.
 */
export class RunnerFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: RunnerFunctionProps) {
    const embedding = configEmbedding(props.config);
    const logGroup = new logs.LogGroup(scope, props.logGroupId ?? `${id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });
    const placement = props.placement
      ? { vpc: props.placement.vpc, vpcSubnets: { subnets: [...props.placement.subnets] }, securityGroups: [props.placement.securityGroup] }
      : {};
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
        AWS_LAMBDA_EXEC_WRAPPER: EXEC_WRAPPER_PATH,
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
        // __filename/__dirname too: some CommonJS dependencies (ssh2's agent) read them at load.
        banner: [
          "import { createRequire as __brCreateRequire } from 'node:module';",
          "import { fileURLToPath as __brFileURLToPath } from 'node:url';",
          "import { dirname as __brDirname } from 'node:path';",
          'const require = __brCreateRequire(import.meta.url);',
          'const __filename = __brFileURLToPath(import.meta.url);',
          'const __dirname = __brDirname(__filename);',
        ].join(' '),
        // Bundle the pinned AWS SDK too: what runs in Lambda is what the tests ran. The one
        // exception is ssh2's optional `cpu-features` add-on: ssh2 requires it inside try/catch and
        // falls back to pure JavaScript, but the package's own entry requires a `.node` file that is
        // never built (package.json allowScripts), which esbuild cannot resolve. Left external, the
        // require fails at load in Lambda and ssh2 takes its fallback.
        externalModules: [...OPTIONAL_NATIVE_MODULES],
        // ssh2's own crypto binding is required the same way (inside try/catch, falling back to
        // node:crypto); should it ever be built, its `.node` file must not end up in the bundle.
        loader: { '.node': 'empty' },
        define: embedding.define,
        ...(embedding.inject ? { inject: embedding.inject } : {}),
        // The exec wrapper goes beside the bundle, executable (the asset zip keeps file modes).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(EXEC_WRAPPER_SOURCE)} ${shellQuote(join(outputDir, EXEC_WRAPPER_FILE))}`,
            `chmod 755 ${shellQuote(join(outputDir, EXEC_WRAPPER_FILE))}`,
          ],
        },
      },
      // X-Ray traces every invocation: a slow device, S3 or Secrets Manager call shows in the trace.
      tracing: lambda.Tracing.ACTIVE,
      ...placement,
      ...props.functionProps,
    });
    // cdk-nag (test/infra/nag.spec.ts): the acknowledgements every runner function shares.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions; no other statement of a runner function uses "*"',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the function write its own log streams (logs:CreateLogGroup/CreateLogStream/PutLogEvents), as for every Lambda of the stack',
    });
    if (props.placement) useScopedNetworkInterfacePolicy(this, props.placement.eniPolicy);
  }
}

/** One shell word, whatever the path holds (the hooks run through a shell). */
function shellQuote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

/**
 * CDK gives the role of a function in a VPC AWSLambdaVPCAccessExecutionRole (network interfaces in
 * any subnet, with any security group); the placement's policy limits creation to its subnets and
 * security group instead. The role stays CDK's (a child of the function, so the function's grants
 * and acknowledgements cover it); only its managed policy list is replaced, on the L1 resource.
 */
function useScopedNetworkInterfacePolicy(fn: nodejs.NodejsFunction, eniPolicy: iam.IManagedPolicy): void {
  const role = fn.role?.node.defaultChild;
  if (!(role instanceof iam.CfnRole)) throw new Error(`RunnerFunction ${fn.node.path}: expected the function's own role, to scope its network interface rights`);
  role.managedPolicyArns = [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole').managedPolicyArn, eniPolicy.managedPolicyArn];
}
