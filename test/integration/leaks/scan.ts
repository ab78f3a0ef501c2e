/** One place a secret was found. */
export interface LeakHit {
  /** Where the text came from (log, error, metric, file path...). */
  source: string;
  /** Which secret (its label, never its value). */
  secret: string;
  /** Characters around the hit, with the secret itself masked. */
  context: string;
}

/** A secret to look for, with the forms it can take in output. */
export interface Secret {
  label: string;
  value: string;
}

/** The forms a secret can leak in: as is, URL-encoded, JSON-escaped, base64. */
function forms(value: string): string[] {
  const out = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  out.add(Buffer.from(value).toString('base64'));
  return [...out].filter((f) => f.length >= 6);
}

/** Search `texts` (source → text) for every form of every secret. */
export function scanForSecrets(texts: Iterable<[string, string]>, secrets: readonly Secret[]): LeakHit[] {
  const hits: LeakHit[] = [];
  for (const [source, text] of texts) {
    for (const secret of secrets) {
      for (const form of forms(secret.value)) {
        let at = text.indexOf(form);
        while (at >= 0) {
          const context = text
            .slice(Math.max(0, at - 40), at + form.length + 40)
            .split(form)
            .join(`<${secret.label}>`);
          hits.push({ source, secret: secret.label, context });
          at = text.indexOf(form, at + form.length);
        }
      }
    }
  }
  return hits;
}
