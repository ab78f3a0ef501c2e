import { describe, expect, it } from 'vitest';
import { apiBaseUrl, parseSettings, settingsFromEnv } from '../../../shared/config/load.ts';
import { SETTINGS, settingsSchema } from '../../../shared/config/settings.ts';
import { ConfigError } from '../../../shared/errors.ts';

describe('Module: config/settings', () => {
  it('gives the documented defaults when nothing is set', () => {
    const s = settingsFromEnv({});
    expect(s).toMatchObject({
      apiRegion: 'us',
      pageSize: 1000,
      includeEvents: true,
      keepOriginal: false,
      initialLookbackMinutes: 1440,
      overlapSeconds: 300,
      settleSeconds: 60,
      historyDays: 30,
    });
  });

  it('reads typed values from environment strings', () => {
    const s = settingsFromEnv({ SES_PAGE_SIZE: '2000', SES_INCLUDE_EVENTS: 'false', SES_API_REGION: 'eu' });
    expect(s.pageSize).toBe(2000);
    expect(s.includeEvents).toBe(false);
    expect(s.apiRegion).toBe('eu');
  });

  it('names every bad setting by its env var, with the bad value and what is expected', () => {
    const act = () => settingsFromEnv({ SES_PAGE_SIZE: '2001', SES_API_REGION: 'mars' });
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/SES_PAGE_SIZE.*"2001".*1-2000/);
    expect(act).toThrow(/SES_API_REGION.*"mars"/);
  });

  it('names bad CLI settings by their flag', () => {
    expect(() => parseSettings({ pageSize: 0 })).toThrow(/--page-size/);
  });

  it('documents every setting in the schema and nothing else', () => {
    expect(Object.keys(SETTINGS).sort()).toEqual(Object.keys(settingsSchema.shape).sort());
    const envs = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
  });

  describe('apiBaseUrl', () => {
    it('maps regions to the documented hosts', () => {
      expect(apiBaseUrl({ apiRegion: 'us' }).host).toBe('api.sep.securitycloud.symantec.com');
      expect(apiBaseUrl({ apiRegion: 'eu' }).host).toBe('api.sep.eu.securitycloud.symantec.com');
      expect(apiBaseUrl({ apiRegion: 'in' }).host).toBe('api.sep.in.securitycloud.symantec.com');
    });
    it('accepts https anywhere and plain http on loopback only', () => {
      expect(apiBaseUrl({ apiRegion: 'us', apiUrl: 'https://example.test/base' }).href).toBe(
        'https://example.test/base',
      );
      expect(apiBaseUrl({ apiRegion: 'us', apiUrl: 'http://127.0.0.1:9000' }).port).toBe('9000');
      expect(apiBaseUrl({ apiRegion: 'us', apiUrl: 'http://localhost:9000' }).hostname).toBe('localhost');
      expect(() => apiBaseUrl({ apiRegion: 'us', apiUrl: 'http://10.0.0.1' })).toThrow(/only https/);
      expect(() => apiBaseUrl({ apiRegion: 'us', apiUrl: 'not a url' })).toThrow(/not a URL/);
    });
  });
});
