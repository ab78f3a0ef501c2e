import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastPaths } from '../../../shared/normalize/shapes.ts';
import { parseUrl, whatwgUrl } from '../../../shared/normalize/url.ts';

// The hand-split fast path against the WHATWG parser: same parts (and key order) for every input.
const same = (s: string) => expect(JSON.stringify(parseUrl(s)), s).toBe(JSON.stringify(whatwgUrl(s)));

describe('parseUrl', () => {
  it('gives what the WHATWG parser gives for odd URLs', () => {
    for (const s of [
      'https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/abc-1/details',
      'http://example.com/a/b.tar.gz',
      'https://example.com/',
      'https://example.com',
      'https://example.com/.hidden',
      'https://example.com/file.',
      'https://example.com:8443/x',
      'https://example.com:443/x',
      'http://example.com:80/x',
      'https://user:pw@example.com/x',
      'https://@example.com/x',
      'https://[::1]/x',
      'https://[2001:db8::1]:8080/x?y#z',
      'https://1.2.3.4/x',
      'https://0x7f.1/x',
      'https://a.0x7f/x',
      'https://a.1/x',
      'https://1a.b/x',
      'https://xn--nxasmq6b.com/x',
      'https://xn--zz.com/x',
      'https://bücher.de/x',
      'https://EXAMPLE.com/X',
      'https://example.com./x',
      'https://a..b/x',
      'https://.a/x',
      'https://-a-.b-/x',
      'https://example.com/a?b=c',
      'https://example.com/a#frag',
      'https://example.com/a?#',
      'https://example.com/a/./b',
      'https://example.com/a/../b',
      'https://example.com/a/..',
      'https://example.com/a/.',
      'https://example.com/a/...',
      'https://example.com/a/%2e/b',
      'https://example.com/a%20b',
      'https://example.com/a b',
      'https://example.com/a\\b',
      'https://example.com/a\tb',
      'https://example.com/a\nb',
      ' https://example.com/x ',
      'https://example.com/ä',
      'https://example.com/a^b`c{d}e|f"g<h>i[j]k',
      "https://example.com/!$&'()*+,;=:@~_-.",
      'https://example.com//double//',
      'HTTPS://example.com/x',
      'ftp://example.com/x',
      'file:///etc/passwd',
      'mailto:a@b.c',
      'https:/example.com/x',
      'https:///x',
      'https://',
      'not a url',
      '',
    ]) {
      same(s);
    }
  });

  it('takes the fast path for the usual shape and gives the same parts on the reference path', () => {
    const s = 'https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/u-1/details.json';
    expect(parseUrl(s)).toEqual({
      domain: 'sep.securitycloud.symantec.com',
      extension: 'json',
      original: s,
      path: '/v2/incidents/incidentListing/u-1/details.json',
      scheme: 'https',
    });
    fastPaths.on = false;
    try {
      expect(parseUrl(s)).toEqual(whatwgUrl(s));
    } finally {
      fastPaths.on = true;
    }
  });

  it('gives what the WHATWG parser gives for generated URLs', () => {
    const chars = fc.constantFrom(
      ...'abcxyzAZ0189-._~!$&\'()*+,;=:@/%?#[]\\ \t^`{}|"<>äü€'.split(''),
      'xn--',
      '..',
      '/./',
      '/../',
      '0x',
    );
    const part = fc.array(chars, { maxLength: 12 }).map((a) => a.join(''));
    const scheme = fc.constantFrom('https://', 'http://', 'HTTP://', 'ws://', 'https:/');
    fc.assert(
      fc.property(scheme, part, part, (sc, host, path) => {
        same(`${sc}${host}${path}`);
        same(`${sc}${host}/${path}`);
        same(`${sc}example.${host}/${path}`);
      }),
      { numRuns: 3000 },
    );
  });
});
