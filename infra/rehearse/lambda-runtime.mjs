// Loads a synthesized Lambda asset the way the Node.js managed runtime does, and invokes its handler.
// Run with plain `node` (no TypeScript loader), in a process whose environment is the function's own
// (resolved from the template) plus what the runtime adds (AWS_REGION, credentials, NODE_PATH ...).
//   node lambda-runtime.mjs <assetDir> <module.export> <invocations> <resultFile> <eventJson>
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [assetDir, handlerSpec, invocations, resultFile, eventJson] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf('.');
const moduleName = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);
const timeoutMs = Number(process.env.REHEARSAL_TIMEOUT_MS ?? 900_000);
delete process.env.REHEARSAL_TIMEOUT_MS;

// The runtime tries <module>.js (CommonJS unless a package.json says "module"), then .mjs, then .cjs.
async function load() {
  const base = path.join(assetDir, moduleName);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = base + ext;
    if (!existsSync(file)) continue;
    if (ext === '.mjs') return import(pathToFileURL(file).href);
    try {
      return createRequire(file)(file);
    } catch (error) {
      if (error?.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
      throw error;
    }
  }
  throw new Error(`Runtime.ImportModuleError: Cannot find module '${moduleName}' in ${assetDir}`);
}

const results = [];
const mod = await load();
const handler = mod[exportName];
if (typeof handler !== 'function')
  throw new Error(`Runtime.HandlerNotFound: ${handlerSpec} is undefined or not exported`);
const event = JSON.parse(eventJson);
for (let i = 0; i < Number(invocations); i++) {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const context = {
    awsRequestId: randomUUID(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.REHEARSAL_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const value = await handler(event, context);
    results.push({ requestId: context.awsRequestId, ms: Date.now() - started, value });
  } catch (error) {
    // The runtime reports errorType and errorMessage (what reaches the on-failure destination).
    results.push({
      requestId: context.awsRequestId,
      ms: Date.now() - started,
      error: { errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) },
    });
  }
}
writeFileSync(resultFile, JSON.stringify(results));
