/**
 * Optional X-Ray tracing for the Lambda entry points (stack parameter XRayTracing, default off). The
 * stack sets POWERTOOLS_TRACE_ENABLED: with anything but 'true' the middleware is empty and the
 * Powertools tracer (and the X-Ray SDK under it) is never loaded or evaluated; with 'true' it is
 * imported on the first invocation and wraps every invocation in a `## handler` subsegment
 * (cold-start and service annotations) under the segment Lambda's active tracing opens.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { SERVICE_NAME } from '../shared/ports/logger.ts';

type Phase = 'before' | 'after' | 'onError';

/** Tracing on? Only the exact value the stack writes counts, so a typo leaves it off (never half on). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.POWERTOOLS_TRACE_ENABLED === 'true';
}

/** Loads the tracer middleware at most once per container. */
export type TracerLoader = () => Promise<MiddlewareObj>;

const loadPowertoolsTracer: TracerLoader = async () => {
  // './tracer.js' stays a separate file in the deployed asset (external to the handler bundle).
  const { Tracer, captureLambdaHandler } = await import('./tracer.js');
  // The response is not attached as metadata: run summaries are large and already in the log.
  return captureLambdaHandler(new Tracer({ serviceName: SERVICE_NAME }), { captureResponse: false });
};

/**
 * The tracer middleware, importing the tracer lazily on the first invocation. Only for an enabled
 * environment: middy refuses an empty middleware, so {@link withTracing} leaves it out when off.
 */
export function lazyTracing(load: TracerLoader = loadPowertoolsTracer): MiddlewareObj {
  let loaded: Promise<MiddlewareObj> | undefined;
  const phase = (name: Phase) => async (request: Request) => {
    loaded ??= load();
    await (await loaded)[name]?.(request);
  };
  return { before: phase('before'), after: phase('after'), onError: phase('onError') };
}

/** The handler with the tracer middleware when tracing is enabled, else the handler unchanged. */
export function withTracing<H extends { use(middleware: MiddlewareObj): H }>(
  handler: H,
  env: NodeJS.ProcessEnv = process.env,
  load: TracerLoader = loadPowertoolsTracer,
): H {
  return tracingEnabled(env) ? handler.use(lazyTracing(load)) : handler;
}
