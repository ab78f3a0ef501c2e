import { describe, expect, it } from 'vitest';
import { scanForSecrets } from './scan.ts';

const SECRET = 'leak-S3cr3t-9f8e7d6c5b4a';
const TOKEN = 'sim.tok_AbCdEf123456';

describe('Module: leak scan', () => {
  it('finds a planted client secret, access token and Basic header value in any text', () => {
    // Prepare
    const basic = Buffer.from(`client-id:${SECRET}`).toString('base64');
    const texts: [string, string][] = [
      ['log', `{"level":"INFO","message":"token ${TOKEN} issued"}`],
      ['error', `request failed with Authorization: Basic ${basic}`],
      ['file', `{"secret":"${encodeURIComponent(SECRET)}"}`],
      ['clean', 'nothing to see here [REDACTED]'],
    ];
    // Act
    const hits = scanForSecrets(texts, [
      { label: 'client secret', value: SECRET },
      { label: 'access token', value: TOKEN },
      { label: 'Basic header', value: basic },
    ]);
    // Assess
    expect(hits.map((h) => `${h.source}:${h.secret}`)).toEqual([
      'log:access token',
      'error:Basic header',
      'file:client secret',
    ]);
    expect(hits[0]?.context).toBe('{"level":"INFO","message":"token <access token> issued"}');
  });

  it('finds nothing in text that only carries redacted values', () => {
    const hits = scanForSecrets(
      [['log', 'Authorization: Bearer [REDACTED] client_secret=[REDACTED]']],
      [{ label: 'client secret', value: SECRET }],
    );
    expect(hits).toEqual([]);
  });
});
