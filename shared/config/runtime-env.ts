import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import { describeIssues } from './load.ts';

/**
 * Settings the stack wires into the Lambda environment besides the tunables in settings.ts: where the
 * checkpoint, the credentials and the output live. Validated at cold start so a broken deployment fails
 * with a message naming the variable, not with an SDK stack trace mid-run.
 */
export const runtimeEnvSchema = z.object({
  CHECKPOINT_TABLE: z.string().check(z.minLength(3), z.maxLength(255)),
  SECRET_ARN: z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/)),
  DELIVERY_STREAMS: z.string().check(z.regex(/^[a-zA-Z0-9_.-]{1,64}(,[a-zA-Z0-9_.-]{1,64})*$/)),
  ALERT_TOPIC_ARN: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$/))),
  ALERT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  MONITORS_CONFIG: z.optional(z.string()),
  OCSF_STREAMS: z.optional(
    z.string().check(z.regex(/^\d{1,6}=[a-zA-Z0-9_.-]{1,64}(,\d{1,6}=[a-zA-Z0-9_.-]{1,64})*$/)),
  ),
});

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

const HINTS: Record<string, string> = {
  CHECKPOINT_TABLE: 'the DynamoDB checkpoint table name (set by the stack)',
  SECRET_ARN: 'the ARN of the Secrets Manager secret holding {"client_id","client_secret"}',
  DELIVERY_STREAMS: 'comma-separated Firehose delivery stream names (set by the stack)',
  ALERT_TOPIC_ARN: 'the SNS topic ARN for alerts',
  ALERT_BUS_NAME: 'the EventBridge bus name for alerts',
  MONITORS_CONFIG: 'the monitors JSON configuration',
  OCSF_STREAMS: 'the OCSF Firehose streams, <class_uid>=<stream>,... (set by the stack when OcsfOutput=true)',
};

export function runtimeEnvFrom(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const input = Object.fromEntries(
    Object.keys(runtimeEnvSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const result = runtimeEnvSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      `Invalid Lambda environment: ${describeIssues(result.error.issues, (k) => `${k} (${HINTS[k] ?? k})`, input)}`,
      { action: 'Redeploy the stack, or fix the variable in the function configuration' },
    );
  }
  return result.data;
}
