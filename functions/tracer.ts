/**
 * The Powertools tracer, bundled on its own (tracer.js next to each function's index.js, see
 * infra/lib/constructs/collector-function.ts): the handler bundles stay free of the tracer and the
 * X-Ray SDK, which are read from disk only when XRayTracing is on (functions/tracing.ts).
 */
export { Tracer } from '@aws-lambda-powertools/tracer';
export { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
