/**
 * A minimal Lucene subset for `/v1/incidents` `query`: `field:value`, `field: "quoted"`, ranges
 * `field: [a TO b]` / `{a TO b}`, wildcards `*`, `AND` / `OR` / `NOT`, parentheses. Terms without an
 * operator are ANDed. Throws QuerySyntaxError on anything else (the API answers 400 "Invalid query").
 */
export class QuerySyntaxError extends Error {}

export type Predicate = (record: Record<string, unknown>) => boolean;

type Token = { t: 'sym'; v: string } | { t: 'word'; v: string } | { t: 'str'; v: string };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if ('()[]{}:'.includes(c)) {
      out.push({ t: 'sym', v: c });
      i++;
    } else if (c === '"') {
      const end = input.indexOf('"', i + 1);
      if (end < 0) throw new QuerySyntaxError('unterminated quoted string');
      out.push({ t: 'str', v: input.slice(i + 1, end) });
      i = end + 1;
    } else {
      let j = i;
      while (j < input.length && !/[\s()[\]{}:"]/.test(input[j] as string)) j++;
      out.push({ t: 'word', v: input.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function fieldValue(record: Record<string, unknown>, field: string): unknown {
  let v: unknown = record;
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function compare(a: unknown, b: string): number {
  const na = typeof a === 'number' ? a : Number(a);
  const nb = Number(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb) && b.trim() !== '') return na - nb;
  return String(a).localeCompare(b);
}

function matches(actual: unknown, expected: string, quoted: boolean): boolean {
  if (actual === undefined || actual === null) return false;
  if (Array.isArray(actual)) return actual.some((a) => matches(a, expected, quoted));
  if (!quoted && expected === '*') return true;
  if (!quoted && expected.includes('*')) {
    const re = new RegExp(
      `^${expected
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    return re.test(String(actual));
  }
  if (typeof actual === 'number') return compare(actual, expected) === 0;
  return String(actual).toLowerCase() === expected.toLowerCase();
}

export function parseQuery(input: string): Predicate {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (v: string) => {
    const tok = peek();
    return tok?.t === 'word' && tok.v === v;
  };
  const expectSym = (v: string) => {
    const tok = tokens[pos++];
    if (tok?.t !== 'sym' || tok.v !== v) throw new QuerySyntaxError(`expected "${v}"`);
  };
  const value = (): { v: string; quoted: boolean } => {
    const tok = tokens[pos++];
    if (tok?.t === 'word') return { v: tok.v, quoted: false };
    if (tok?.t === 'str') return { v: tok.v, quoted: true };
    throw new QuerySyntaxError('expected a value');
  };

  const term = (): Predicate => {
    const tok = peek();
    if (tok?.t === 'sym' && tok.v === '(') {
      pos++;
      const inner = orExpr();
      expectSym(')');
      return inner;
    }
    if (tok?.t !== 'word') throw new QuerySyntaxError('expected field:value');
    const field = tok.v;
    pos++;
    expectSym(':');
    const next = peek();
    if (next?.t === 'sym' && (next.v === '[' || next.v === '{')) {
      pos++;
      const lowInclusive = next.v === '[';
      const low = value().v;
      if (!isWord('TO')) throw new QuerySyntaxError('expected TO in range');
      pos++;
      const high = value().v;
      const close = tokens[pos++];
      if (close?.t !== 'sym' || (close.v !== ']' && close.v !== '}'))
        throw new QuerySyntaxError('expected ] or }');
      const highInclusive = close.v === ']';
      return (r) => {
        const a = fieldValue(r, field);
        if (a === undefined || a === null) return false;
        const okLow = low === '*' || (lowInclusive ? compare(a, low) >= 0 : compare(a, low) > 0);
        const okHigh = high === '*' || (highInclusive ? compare(a, high) <= 0 : compare(a, high) < 0);
        return okLow && okHigh;
      };
    }
    if (next?.t === 'sym' && next.v === '(') {
      // field:(a OR b)
      pos++;
      const values: { v: string; quoted: boolean }[] = [value()];
      while (isWord('OR')) {
        pos++;
        values.push(value());
      }
      expectSym(')');
      return (r) => values.some((x) => matches(fieldValue(r, field), x.v, x.quoted));
    }
    const { v, quoted } = value();
    return (r) => matches(fieldValue(r, field), v, quoted);
  };
  const unary = (): Predicate => {
    if (isWord('NOT')) {
      pos++;
      const inner = unary();
      return (r) => !inner(r);
    }
    return term();
  };
  const andExpr = (): Predicate => {
    const parts = [unary()];
    for (;;) {
      if (isWord('AND')) {
        pos++;
        parts.push(unary());
        continue;
      }
      const tok = peek();
      if (!tok || isWord('OR') || (tok.t === 'sym' && tok.v === ')')) break;
      parts.push(unary());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (r) => parts.every((p) => p(r));
  };
  const orExpr = (): Predicate => {
    const parts = [andExpr()];
    while (isWord('OR')) {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (r) => parts.some((p) => p(r));
  };

  if (tokens.length === 0) return () => true;
  const predicate = orExpr();
  if (pos !== tokens.length) throw new QuerySyntaxError('unexpected input after the query');
  return predicate;
}
