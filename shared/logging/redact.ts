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
/**
 * A run holding PIECE_ANYWHERE or more characters of a known secret, wherever in the run and whatever
 * token characters surround them, is masked. The hash of every WINDOW-character piece of every secret
 * is kept in one Set, a run is hashed at every STRIDE-th position (so any piece of WINDOW + STRIDE - 1
 * characters covers one looked-up window whole), and a hit is confirmed against the secrets. Cost: each
 * character of a 16+ run is read once more and one Set lookup per STRIDE characters, whatever the number
 * of secrets (slicing each window instead cost 2-4 times as much); memory: one entry per secret character.
 */
const WINDOW = 16;
const STRIDE = 8;
export const PIECE_ANYWHERE = WINDOW + STRIDE - 1;
/** 31^STRIDE (mod 2^32): joins the hashes of a window's two halves. */
const HALF_SHIFT = Array.from({ length: STRIDE }).reduce<number>((p) => Math.imul(p, 31), 1);

/** Polynomial hash (base 31, 32 bits) of the STRIDE characters of `text` from `at`. */
function halfHash(text: string, at: number): number {
  let h = 0;
  for (let k = at; k < at + STRIDE; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
  return h;
}
/** A window's hash from its halves' hashes, cut to 30 bits (a small integer: a cheap Set key). */
const windowHash = (first: number, second: number) => (Math.imul(first, HALF_SHIFT) + second) & 0x3fffffff;

export class Redactor {
  private readonly secrets = new Set<string>();
  /** Hashes of every WINDOW-character piece of every secret of PIECE_MIN or more characters. */
  private readonly windows = new Set<number>();

  /** Register a value that must never appear in output. Values shorter than 6 chars are ignored. */
  add(value: string | undefined): void {
    if (!value || value.length < 6 || this.secrets.has(value)) return;
    this.secrets.add(value);
    if (value.length < PIECE_MIN) return;
    for (let i = 0; i + WINDOW <= value.length; i++)
      this.windows.add(windowHash(halfHash(value, i), halfHash(value, i + STRIDE)));
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
        chars.length >= RUN_MIN && (this.isSecretPiece(run) || this.holdsPiece(chars)) ? '[REDACTED]' : run,
      );
    return out;
  }

  /** `chars` holds a piece of PIECE_ANYWHERE or more characters of a known secret (see WINDOW). */
  private holdsPiece(chars: string): boolean {
    if (chars.length < WINDOW) return false;
    let first = halfHash(chars, 0);
    for (let i = 0; i + WINDOW <= chars.length; i += STRIDE) {
      const second = halfHash(chars, i + STRIDE);
      if (this.windows.has(windowHash(first, second)) && this.isSecretWindow(chars.slice(i, i + WINDOW)))
        return true;
      first = second;
    }
    return false;
  }

  /** A hash hit is a real piece only if a secret holds it (hashes of different text can be equal). */
  private isSecretWindow(window: string): boolean {
    for (const s of this.secrets) if (s.includes(window)) return true;
    return false;
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
