/**
 * Defence in depth against secret leaks: every log line and error message that leaves the process
 * passes through a Redactor that knows the secrets in play (client secret, access token, Basic header).
 */
/**
 * Runs of characters tokens and secrets are made of (base64, base64url, JWT, hex), with up to two `=`
 * of padding; runs shorter than RUN_MIN are left alone. Written as `+` and `{8}[...]*`, never `{12,}`:
 * V8 (Node 20) keeps a backtrack entry per character of a `{n,}` loop, so one 8 MiB run (an error page
 * of `a`s) overflowed its regexp stack with `RangeError: Maximum call stack size exceeded` (4 MiB
 * passed); its `+` and `*` loops over a character class take 64 MiB runs (huge-error-body.test.ts).
 */
const TOKEN_RUN = /([A-Za-z0-9._~+/-]+)={0,2}/g;
const AUTH_HEADER_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8}[A-Za-z0-9._~+/=-]*/g;
const RUN_MIN = 12;
const PREFIX_CHARS = 12;
const PIECE_MIN = 16;

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
    out = out.replace(AUTH_HEADER_VALUE, '$1 [REDACTED]');
    // Pieces of a secret: a token cut short, altered or echoed in part is no exact match above.
    if (this.secrets.size)
      out = out.replace(TOKEN_RUN, (run: string, chars: string) =>
        chars.length >= RUN_MIN && this.isSecretPiece(run) ? '[REDACTED]' : run,
      );
    return out;
  }

  /**
   * A run of token characters that is a piece (16+ characters) of a known secret, or that holds a
   * known secret's first 12 characters (tokens of one issuer share a prefix, e.g. a JWT header), also
   * behind other token characters: a token cut short and glued to a run is still its prefix.
   */
  private isSecretPiece(run: string): boolean {
    for (const s of this.secrets) {
      if (s.length < PIECE_MIN) continue;
      if (run.length >= PIECE_MIN && run.length <= s.length && s.includes(run)) return true;
      if (run.includes(s.slice(0, PREFIX_CHARS))) return true;
    }
    return false;
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
