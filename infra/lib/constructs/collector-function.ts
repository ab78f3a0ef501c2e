import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../shared/ports/logger.ts';
import { deadLetterQueue } from './private-storage.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The Powertools tracer's own file in every function asset (functions/tracer.ts, loaded only with tracing on). */
export const TRACER_FILE = 'tracer.js';

/**
 * How every function of the stack is bundled: local esbuild (no Docker), minified CommonJS for Node.js
 * 24 with source maps, the AWS SDK left to the runtime, and the Powertools tracer (with the X-Ray SDK,
 * ~125 KB) cut out of the handler bundle into its own `tracer.js` beside it, which the handler imports
 * only when XRayTracing is on.
 */
/** The runtime of every function of the stack (the rehearsal and `npm run bench -- --lambda-node` run its Node major). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild's target for that runtime (`nodejs24.x` → `node24`), so the two cannot drift apart. */
const ESBUILD_TARGET = LAMBDA_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1');

/**
 * How every function of the stack is built: the handler `entry` bundled from the repository (its lock
 * file) for Node 24 on Arm64.
 */
export function nodeFunctionBuild(entry: string) {
  return {
    entry,
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    runtime: LAMBDA_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    bundling: lambdaBundling(),
  } satisfies nodejs.NodejsFunctionProps;
}

export function lambdaBundling(): nodejs.BundlingOptions {
  const esbuild = path.join(REPO_ROOT, 'node_modules/.bin/esbuild');
  const tracerEntry = path.join(REPO_ROOT, 'functions/tracer.ts');
  return {
    forceDockerBundling: false,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    target: ESBUILD_TARGET,
    // CommonJS: the runtime's AWS SDK loads ~3x faster through its CJS build than through its many ESM
    // files (cold start; see bench/bundle.bench.ts).
    format: nodejs.OutputFormat.CJS,
    externalModules: ['@aws-sdk/*', `./${TRACER_FILE}`],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `"${esbuild}" "${tracerEntry}" --bundle --minify --platform=node --target=${ESBUILD_TARGET} --format=cjs --external:@aws-sdk/* --log-level=warning --outfile="${path.join(outputDir, TRACER_FILE)}"`,
      ],
    },
  };
}

/** Powertools metrics namespace and `service` dimension (the alarms depend on both); defined once in shared/. */
export { METRICS_NAMESPACE, SERVICE_NAME };

/** Props of {@link CollectorFunction}. */
export interface CollectorFunctionProps {
  /** EventBridge schedule (e.g. from the ScheduleExpression parameter). */
  readonly schedule: events.Schedule;
  /**
   * Lambda timeout. Keep it below the schedule period so runs never overlap; the collector's deadline
   * guard reads the remaining time from the Lambda context, so it follows this value automatically.
   */
  readonly timeout: Duration;
  /** Checkpoint table (read/write of items only). */
  readonly table: dynamodb.ITable;
  /** ARN of the secret holding `{"client_id","client_secret"}` (token allowed). */
  readonly secretArn: string;
  /** Settings environment (env var name -> value or parameter Ref) plus any extra variables. */
  readonly environment: Record<string, string>;
  /** Handler entry file. Default: functions/collector.ts (export `handler`). */
  readonly entry?: string;
  /** Days the function's logs are kept. Default: one month. */
  readonly logRetention?: logs.RetentionDays;
  /** One schedule target per input (≤ 5, e.g. `{"channel": n}` per stream channel). Default: one, no input. */
  readonly targetInputs?: Record<string, unknown>[];
  /** Reserved concurrency (default 1: runs of the same checkpoint never overlap). */
  readonly reservedConcurrency?: number;
  /** What the schedule runs (rule description). */
  readonly description?: string;
}

/**
 * The scheduled collector: NodejsFunction (local esbuild, Node.js 24 on arm64, reserved concurrency 1),
 * its own log group and role with explicit permissions, an encrypted TLS-only SQS dead-letter queue used
 * both as the Lambda on-failure destination and the EventBridge target DLQ, and the schedule rule.
 *
 * @example
 * const collector = new CollectorFunction(this, 'Collector', {
 *   schedule: events.Schedule.rate(Duration.minutes(5)), timeout: Duration.minutes(4),
 *   table, secretArn, environment: { LOG_LEVEL: 'INFO' },
 * });
 */
export class CollectorFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: CollectorFunctionProps) {
    super(scope, id);

    // The run audit trail (every run's summary): kept when the stack is destroyed.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Own role, no managed policy: only log writes to its own group, then explicit grants below.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Symantec SES collector Lambda',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Checkpoint',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Credentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.secretArn],
      }),
    );

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the dead-letter queue (Lambda on-failure destination and EventBridge target DLQ); a DLQ of a DLQ adds nothing. Its depth is alarmed.',
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...nodeFunctionBuild(props.entry ?? path.join(REPO_ROOT, 'functions/collector.ts')),
      // Two pages of up to 2,000 incidents with events in flight (the next is prefetched) plus the
      // detection rules' state; Lambda's CPU share also grows with memory.
      memorySize: 1024,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 1,
      role: this.role,
      logGroup: this.logGroup,
      // The next scheduled run is the retry; failures go straight to the DLQ so they are visible.
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.deadLetterQueue),
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // No heap flags here on purpose: the runtime then sizes the heap from memorySize (at 1024 MB a
        // 51 MB semi-space and a 922 MB old space; setting either size here would make it set neither),
        // and bench/e2e.bench.ts runs the collector with those same flags (docs/performance.md).
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
        SECRET_ARN: props.secretArn,
        CHECKPOINT_TABLE: props.table.tableName,
      },
    });

    this.rule = new events.Rule(this, 'Schedule', {
      schedule: props.schedule,
      description: props.description ?? 'Runs the Symantec SES collector',
    });
    for (const input of props.targetInputs ?? [undefined]) {
      this.rule.addTarget(
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          ...(input ? { event: events.RuleTargetInput.fromObject(input) } : {}),
        }),
      );
    }
  }
}
