import * as z from 'zod/mini';
import { ConnectorError } from '../errors.ts';
import type { ClientCredentials } from '../ports/credentials.ts';

/** The JSON a credentials secret or file must hold; quoted in every error about it. */
export const EXPECTED_SHAPE = '{"client_id": "<client id>", "client_secret": "<client secret>"}';

const text = z.optional(z.string().check(z.trim(), z.minLength(1)));
const schema = z.object({ client_id: text, client_secret: text, clientId: text, clientSecret: text });

/**
 * Parse `{"client_id","client_secret"}` (or `clientId`/`clientSecret`). Errors name the source and the
 * missing or invalid fields, never the content: a JSON parser's message can quote it.
 */
export function parseClientCredentials(raw: string, source: string): ClientCredentials {
  const fail = (why: string) =>
    new ConnectorError('auth', `${source} ${why}`, {
      action: `Store the client application's credentials there as JSON: ${EXPECTED_SHAPE}`,
      details: { source },
    });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw fail('is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw fail('does not hold a JSON object');
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    throw fail(`has invalid field(s) ${fields.join(', ')} (must be non-empty strings)`);
  }
  const clientId = parsed.data.client_id ?? parsed.data.clientId;
  const clientSecret = parsed.data.client_secret ?? parsed.data.clientSecret;
  const missing = [clientId ? '' : 'client_id', clientSecret ? '' : 'client_secret'].filter(Boolean);
  if (!clientId || !clientSecret) throw fail(`is missing ${missing.join(' and ')}`);
  return { clientId, clientSecret };
}
