import { SETTINGS, type SettingKey, settingsSchema } from './settings.ts';

/** Markdown table of every setting, for docs/configuration.md (a test keeps the doc in sync). */
export function renderSettingsTable(): string {
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const s = SETTINGS[key];
    const def = defaults[key] === undefined ? '—' : `\`${String(defaults[key])}\``;
    return `| \`${s.env}\` | ${s.flag ? `\`--${s.flag}\`` : '—'} | ${s.parameter ? `\`${s.parameter}\`` : '—'} | ${def} | ${s.doc} |`;
  });
  return [
    '| env var | CLI flag | stack parameter | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
