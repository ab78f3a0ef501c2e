/**
 * Defence in depth against secret leaks: every log line and error message that leaves the process
 * passes through a Redactor that knows the secrets in play (client secret, access token, Basic header).
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Register a value that must never appear in output. Values shorter than 6 chars are ignored. */
  add(value: string | undefined): void {
    if (value && value.length >= 6) this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    }
    // Bearer/Basic header values, whatever they are.
    return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [REDACTED]');
  }

  /** Redact a value destined for JSON output (deep). */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object') {
      if (value instanceof Error) return this.redact(value.message) as T;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] =
          /secret|password|authorization|token/i.test(k) && typeof v === 'string'
            ? '[REDACTED]'
            : this.redactValue(v);
      }
      return out as T;
    }
    return value;
  }
}

/** Process-wide redactor: adapters register secrets as they learn them. */
export const redactor = new Redactor();
