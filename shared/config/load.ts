import type * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import { API_REGIONS, SETTINGS, type SettingKey, type Settings, settingsSchema } from './settings.ts';

/** Turn zod issues into one actionable message naming each setting by its env var or flag. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  nameOf: (key: string) => string,
  input: Record<string, unknown>,
): string {
  return issues
    .map((issue) => {
      const key = String(issue.path[0] ?? '');
      const got = key in input ? ` (got ${JSON.stringify(input[key])})` : '';
      const doc = SETTINGS[key as SettingKey]?.doc;
      return `${nameOf(key)}: ${issue.message}${got}${doc ? ` — expected: ${doc.replace(/\.$/, '')}` : ''}`;
    })
    .join('; ');
}

/** Parse settings from a typed partial object (CLI flags already mapped to keys). */
export function parseSettings(
  input: Partial<Record<SettingKey, unknown>>,
  source: 'env' | 'flag' = 'flag',
): Settings {
  const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== ''));
  const result = settingsSchema.safeParse(clean);
  if (!result.success) {
    const nameOf = (key: string) => {
      const spec = SETTINGS[key as SettingKey];
      if (!spec) return key;
      return source === 'env' ? spec.env : spec.flag ? `--${spec.flag}` : spec.env;
    };
    throw new ConfigError(`Invalid configuration: ${describeIssues(result.error.issues, nameOf, clean)}`, {
      action: 'Fix the value(s) named above; see docs/configuration.md for each setting',
    });
  }
  const settings = result.data;
  if (settings.apiUrl !== undefined) apiBaseUrl(settings); // validate early
  checkSettingRelations(settings, source);
  return settings;
}

/**
 * Settings valid one by one but not together. The first window runs from now − lookback to now − settle:
 * a lookback no longer than the settle time plans no window at all, so the collector would never collect.
 */
export function checkSettingRelations(settings: Settings, source: 'env' | 'flag' = 'env'): void {
  const name = (key: SettingKey) => {
    const spec = SETTINGS[key];
    return source === 'flag' && spec.flag ? `--${spec.flag} (${spec.env})` : spec.env;
  };
  if (settings.initialLookbackMinutes * 60 <= settings.settleSeconds) {
    throw new ConfigError(
      `Invalid configuration: ${name('initialLookbackMinutes')} (${settings.initialLookbackMinutes} min) must be longer than ${name('settleSeconds')} (${settings.settleSeconds} s): the first window would end (now − settle) before it starts (now − lookback), so nothing would ever be collected`,
      { action: `Raise ${name('initialLookbackMinutes')} or lower ${name('settleSeconds')}` },
    );
  }
}

/** Read settings from environment variables (Lambda, CLI). Unset variables take their defaults. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const input: Partial<Record<SettingKey, unknown>> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    if (env[spec.env] !== undefined) input[key] = env[spec.env];
  }
  return parseSettings(input, 'env');
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/**
 * The API base URL for these settings: the explicit URL if set, else the region's host. Only https is
 * accepted, except plain http to a loopback host (the simulator).
 */
export function apiBaseUrl(settings: Pick<Settings, 'apiRegion' | 'apiUrl'>): URL {
  if (!settings.apiUrl) return new URL(API_REGIONS[settings.apiRegion]);
  let url: URL;
  try {
    url = new URL(settings.apiUrl);
  } catch {
    throw new ConfigError(`SES_API_URL / --api-url is not a URL: ${JSON.stringify(settings.apiUrl)}`, {
      action: 'Give a full base URL such as https://api.sep.eu.securitycloud.symantec.com, or use --region',
    });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url;
  throw new ConfigError(
    `SES_API_URL / --api-url ${url.origin} is not allowed: only https, or plain http to a loopback address`,
    { action: 'Use the https URL of your region (or SES_API_REGION / --region us|eu|in)' },
  );
}
