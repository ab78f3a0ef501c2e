/**
 * The deploy rehearsal: synthesize the stack, start moto, create the resources the functions touch from
 * the template's own properties, run each function's synthesized asset from the cloud assembly (the
 * bundle `cdk deploy` uploads) the way the Node.js runtime loads it, with the template's resolved
 * environment plus AWS_ENDPOINT_URL, and check what it did: output against the simulator's ground
 * truth, checkpoint, EMF metrics the alarms watch, secrets nowhere, every AWS call allowed by the role.
 * Per-function behaviour lives in functions.ts (one driver per function).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_DRIVERS, type FunctionDriver } from './functions.ts';
import { callOf, checkCalls, type IamReport, roleStatements } from './iam.ts';
import { LAMBDA_NODE_SETTING, type LambdaNode, lambdaNode, runtimeNodeMajor } from './lambda-node.ts';
import { type RecordedRequest, type RunningMoto, startMoto } from './moto.ts';
import { type AwsTarget, MOTO_CREDENTIALS, type Provisioned, provision } from './provision.ts';
import { type CfnTemplate, TemplateResolver } from './template.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNTIME = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lambda-runtime.mjs');

export interface RehearsalOptions {
  /** Reuse this cloud assembly instead of synthesizing (e.g. cdk.out after `npm run synth`). */
  assemblyDir?: string;
  /** Where to synthesize (default: a temporary directory). */
  outDir?: string;
  /**
   * How to synthesize: `cli` (default) runs `cdk synth` as `cdk deploy` does; `in-process` builds the
   * same app (cdk.json context, same bundling) in this process, which saves the CLI start-up (tests).
   */
  synth?: 'cli' | 'in-process';
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** One invocation of a function's asset, as the runtime shim reported it, with its output. */
export interface Invocation {
  requestId: string;
  ms: number;
  value?: unknown;
  error?: { errorType: string; errorMessage: string };
  stdout: string;
  stderr: string;
  calls: RecordedRequest[];
}

export interface FunctionUnderTest {
  logicalId: string;
  cdkPath: string;
  assetDir: string;
  handler: string;
  name: string;
  /** The template's `Runtime` (nodejs24.x). */
  runtime: string;
  /** The Node the asset runs on here: the runtime's major (lambda-node.ts). */
  node: LambdaNode;
  env: Record<string, string>;
  roleLogicalId: string;
  logGroup: string;
}

/** What a driver gets to run and check one function. */
export interface DriverContext {
  fn: FunctionUnderTest;
  resolver: TemplateResolver;
  aws: AwsTarget;
  moto: RunningMoto;
  /** Invoke the asset in a fresh process (a cold start); `env` overrides nothing of the template's. */
  invoke(event?: unknown): Promise<Invocation>;
  log(line: string): void;
  fail(message: string): void;
}

export interface FunctionReport {
  logicalId: string;
  driver: string;
  invocations: number;
  checks: string[];
  iam: IamReport;
}

export interface RehearsalReport {
  assemblyDir: string;
  template: string;
  bundles: Array<{
    function: string;
    assetDir: string;
    handler: string;
    bytes: number;
    runtime: string;
    node: string;
  }>;
  provisioned: Provisioned;
  functions: FunctionReport[];
  failures: string[];
}

/** Synthesize with the CDK CLI exactly as `cdk deploy` does before it uploads (cdk.json, its context). */
export function synthesize(outDir: string): void {
  const r = spawnSync('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', outDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) {
    throw new Error(`cdk synth failed (exit ${r.status}): ${(r.stderr || r.stdout || '').slice(-2000)}`);
  }
}

/** The app of infra/bin/app.ts (without cdk-nag, which checks rather than changes it), in this process. */
export async function synthesizeInProcess(outDir: string): Promise<void> {
  const { App } = await import('aws-cdk-lib');
  const { ConnectorStack } = await import('../lib/connector-stack.ts');
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  // The CLI turns asset and path metadata on; without them a function names neither asset nor path.
  const app = new App({
    outdir: outDir,
    context: {
      ...(cdkJson.context ?? {}),
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:enable-path-metadata': true,
    },
  });
  new ConnectorStack(app, 'SesConnector');
  app.synth();
}

function stackTemplate(assemblyDir: string): { file: string; stackName: string } {
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const [id, stack] = stacks[0] ?? [];
  if (!stack?.properties?.templateFile) throw new Error(`No stack in ${assemblyDir}/manifest.json`);
  return {
    file: path.join(assemblyDir, stack.properties.templateFile),
    stackName: stack.properties.stackName ?? String(id),
  };
}

/** Functions of the template with a bundled asset: the Lambda functions this stack deploys. */
function functionsOf(
  r: TemplateResolver,
  assemblyDir: string,
  nodeFor: (runtime: string) => LambdaNode,
): FunctionUnderTest[] {
  const out: FunctionUnderTest[] = [];
  for (const [id, res] of Object.entries(r.template.Resources)) {
    if (res.Type !== 'AWS::Lambda::Function' || !r.exists(id)) continue;
    const assetPath = res.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') continue;
    const props = res.Properties ?? {};
    const roleRef = (props.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    if (!roleRef) throw new Error(`${id}: Role is not a GetAtt of a role in this template`);
    const vars = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) env[k] = r.string(v);
    const logging = props.LoggingConfig as { LogGroup?: unknown } | undefined;
    const name = r.resources.get(id)?.ref ?? id;
    const runtime = String(props.Runtime);
    out.push({
      logicalId: id,
      cdkPath: String(res.Metadata?.['aws:cdk:path'] ?? id),
      assetDir: path.join(assemblyDir, assetPath),
      handler: String(props.Handler),
      name,
      runtime,
      node: nodeFor(runtime),
      env: {
        ...env,
        // What the runtime adds to the function's own variables.
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
        REHEARSAL_TIMEOUT_MS: String(Number(r.string(props.Timeout ?? 3)) * 1000),
      },
      roleLogicalId: roleRef,
      logGroup: logging?.LogGroup ? r.string(logging.LogGroup) : `/aws/lambda/${name}`,
    });
  }
  return out;
}

async function invokeAsset(
  fn: FunctionUnderTest,
  aws: AwsTarget,
  moto: RunningMoto,
  event: unknown,
): Promise<Invocation> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ses-rehearse-run-'));
  const resultFile = path.join(dir, 'result.json');
  // The runtime unpacks the uploaded zip into an empty task root (/var/task): no package.json of this
  // repository above it (its "type": "module" would turn the CommonJS bundle into ESM).
  const taskRoot = path.join(dir, 'task');
  cpSync(fn.assetDir, taskRoot, { recursive: true });
  // The environment of a Lambda container: the function's variables plus the runtime's own, nothing
  // inherited from this process; AWS_ENDPOINT_URL is the only addition (it points the SDK at moto).
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    ...fn.env,
    AWS_REGION: aws.region,
    AWS_DEFAULT_REGION: aws.region,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: `rehearsal/[$LATEST]${Date.now().toString(16)}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: fn.handler,
    // The runtime provides the AWS SDK through NODE_PATH; here that is the project's node_modules.
    NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
    REHEARSAL_FUNCTION_ARN: `arn:aws:lambda:${aws.region}:${aws.accountId}:function:${fn.name}`,
    AWS_ENDPOINT_URL: aws.endpoint,
  };
  await moto.startRecording();
  const child = spawn(
    fn.node.path,
    [RUNTIME, taskRoot, fn.handler, '1', resultFile, JSON.stringify(event ?? {})],
    {
      cwd: taskRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const timeoutMs = Number(fn.env.REHEARSAL_TIMEOUT_MS) + 30_000;
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  await moto.stopRecording();
  const calls = await moto.recording();
  let results: Array<Omit<Invocation, 'stdout' | 'stderr' | 'calls'>> = [];
  try {
    results = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `The runtime shim for ${fn.logicalId} exited ${code} without a result: ${stderr.slice(-2000)}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const first = results[0];
  if (!first) throw new Error(`No invocation result for ${fn.logicalId}`);
  return { ...first, stdout, stderr, calls };
}

/** Run the rehearsal; the report's `failures` is empty when everything held. */
export async function rehearse(options: RehearsalOptions = {}): Promise<RehearsalReport> {
  const log = options.log ?? (() => {});
  let assemblyDir = options.assemblyDir;
  let tempDir: string | undefined;
  if (!assemblyDir) {
    tempDir = options.outDir ? undefined : mkdtempSync(path.join(tmpdir(), 'ses-rehearse-cdk-'));
    assemblyDir = options.outDir ?? (tempDir as string);
    const t0 = Date.now();
    if (options.synth === 'in-process') await synthesizeInProcess(assemblyDir);
    else synthesize(assemblyDir);
    log(
      `synthesized the stack into ${assemblyDir} (${((Date.now() - t0) / 1000).toFixed(1)} s, ${options.synth ?? 'cli'})`,
    );
  }
  assemblyDir = path.resolve(assemblyDir);
  const { file, stackName } = stackTemplate(assemblyDir);
  const template = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  const moto = await startMoto();
  const failures: string[] = [];
  try {
    const aws: AwsTarget = { endpoint: moto.endpoint, region: 'us-east-1', accountId: '123456789012' };
    log(`moto_server on ${moto.endpoint}`);
    // Drivers set parameter values as `cdk deploy --parameters` would (e.g. ApiBaseUrl -> the simulator).
    const drivers = FUNCTION_DRIVERS;
    const prepared = await Promise.all(drivers.map((d) => d.prepare()));
    const overrides = Object.assign({}, ...prepared.map((p) => p.parameters)) as Record<string, string>;
    const resolver = new TemplateResolver(
      template,
      { accountId: aws.accountId, region: aws.region, partition: 'aws', stackName },
      overrides,
    );
    const provisioned = await provision(resolver, aws);
    log(
      `created ${provisioned.created.filter((c) => c.how === 'created').length} resources from the template's properties:`,
    );
    for (const c of provisioned.created)
      log(`  ${c.how === 'created' ? '+' : '='} ${c.type} ${c.logicalId} -> ${c.physicalId}`);
    // One Node per runtime, fetched at most once (lambda-node.ts).
    const nodes = new Map<string, LambdaNode>();
    const nodeFor = (runtime: string): LambdaNode => {
      let node = nodes.get(runtime);
      if (node === undefined) {
        node = lambdaNode(runtimeNodeMajor(runtime), { log });
        nodes.set(runtime, node);
        log(
          `${runtime}: Node ${node.version} (${node.source}${node.mismatch ? `; not the runtime's major: ${LAMBDA_NODE_SETTING}=current` : ''})`,
        );
      }
      return node;
    };
    const fns = functionsOf(resolver, assemblyDir, nodeFor);
    const bundles = fns.map((f) => ({
      function: f.logicalId,
      assetDir: f.assetDir,
      handler: f.handler,
      bytes: readFileSync(path.join(f.assetDir, `${f.handler.slice(0, f.handler.lastIndexOf('.'))}.js`))
        .length,
      runtime: f.runtime,
      node: f.node.version,
    }));
    for (const b of bundles)
      log(
        `bundle ${b.assetDir}/index.js (${b.bytes} bytes), handler ${b.handler}, function ${b.function}, ${b.runtime} on Node ${b.node}`,
      );
    const reports: FunctionReport[] = [];
    for (const fn of fns) {
      const index = drivers.findIndex((d) => d.matches(fn));
      const driver: FunctionDriver | undefined = drivers[index];
      if (!driver) {
        failures.push(
          `${fn.logicalId} (${fn.cdkPath}): no rehearsal driver; add one to infra/rehearse/functions.ts`,
        );
        continue;
      }
      const invocations: Invocation[] = [];
      const checks: string[] = [];
      const ctx: DriverContext = {
        fn,
        resolver,
        aws,
        moto,
        invoke: async (event) => {
          const inv = await invokeAsset(fn, aws, moto, event);
          invocations.push(inv);
          await shipLogs(aws, fn, inv);
          return inv;
        },
        log: (line) => {
          checks.push(line);
          log(`  ${line}`);
        },
        fail: (message) => {
          failures.push(`${fn.logicalId}: ${message}`);
          log(`  FAIL ${message}`);
        },
      };
      log(`${fn.logicalId}: driver ${driver.name}`);
      await driver.run(ctx, prepared[index] as (typeof prepared)[number]);
      const { statements, notEvaluated } = roleStatements(resolver, fn.roleLogicalId);
      const calls = invocations.flatMap((i) => i.calls.map((c) => callOf(c, aws.region, aws.accountId)));
      const iam = checkCalls(fn.roleLogicalId, calls, statements, notEvaluated);
      log(`  IAM: ${iam.calls.length} distinct calls checked against ${fn.roleLogicalId}:`);
      for (const c of iam.calls)
        log(
          `    ${c.allowed ? 'allowed' : 'DENIED '} ${c.action} ${c.resource} x${c.count}${c.by ? ` (${c.by})` : ''}`,
        );
      for (const d of iam.denied)
        failures.push(`${fn.logicalId}: ${d.action} on ${d.resource} is not allowed by ${fn.roleLogicalId}`);
      log(`  IAM: granted but not called by the function (${iam.unused.length}):`);
      for (const u of iam.unused)
        log(
          `    ${u.action} (${u.statement})${driver.unusedReasons[u.action] ? `: ${driver.unusedReasons[u.action]}` : ''}`,
        );
      for (const n of iam.notEvaluated) failures.push(`${fn.logicalId}: IAM check cannot evaluate ${n}`);
      reports.push({
        logicalId: fn.logicalId,
        driver: driver.name,
        invocations: invocations.length,
        checks,
        iam,
      });
    }
    for (const p of prepared) await p.close();
    return { assemblyDir, template: file, bundles, provisioned, functions: reports, failures };
  } finally {
    await moto.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** What the Lambda service does with a function's stdout/stderr: CloudWatch Logs, in its log group. */
async function shipLogs(aws: AwsTarget, fn: FunctionUnderTest, inv: Invocation): Promise<void> {
  const lines = `${inv.stdout}${inv.stderr}`.split('\n').filter((l) => l.trim() !== '');
  if (!lines.length) return;
  const stream = `rehearsal/[$LATEST]${inv.requestId}`;
  await logsCall(aws, 'CreateLogStream', { logGroupName: fn.logGroup, logStreamName: stream });
  const now = Date.now();
  for (let i = 0; i < lines.length; i += 500) {
    await logsCall(aws, 'PutLogEvents', {
      logGroupName: fn.logGroup,
      logStreamName: stream,
      logEvents: lines.slice(i, i + 500).map((message) => ({ timestamp: now, message })),
    });
  }
}

/** Every log event of a group (moto's CloudWatch Logs), for the secret scan. */
export async function readLogGroup(aws: AwsTarget, group: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = (await logsCall(aws, 'FilterLogEvents', {
      logGroupName: group,
      ...(nextToken ? { nextToken } : {}),
    })) as {
      events?: Array<{ message: string }>;
      nextToken?: string;
    };
    for (const e of r.events ?? []) out.push(e.message);
    if (!r.nextToken || r.nextToken === nextToken) break;
    nextToken = r.nextToken;
  }
  return out;
}

async function logsCall(aws: AwsTarget, action: string, body: unknown): Promise<unknown> {
  const res = await fetch(aws.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Logs_20140328.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/20260101/${aws.region}/logs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`logs ${action}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : {};
}

/** Write `report` as JSON (for CI artifacts). */
export function writeReport(file: string, report: RehearsalReport): void {
  writeFileSync(file, JSON.stringify(report, null, 2));
}
