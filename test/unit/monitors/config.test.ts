import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import {
  DEFAULT_SUSPICIOUS_PATHS,
  loadMonitorsConfig,
  parseMonitorsConfig,
  RULE_IDS,
} from '../../../shared/monitors/index.ts';

describe('Module: monitors — configuration', () => {
  it('defaults every rule to enabled, critical, with the documented thresholds', () => {
    const config = parseMonitorsConfig(undefined);
    for (const id of RULE_IDS) {
      expect(config.rules[id].enabled).toBe(true);
      expect(config.rules[id].severity).toBe('critical');
    }
    expect(config.rules.embargoedDevice).toMatchObject({ maxIncidents: 1, windowMinutes: 1440 });
    expect(config.rules.highPriorityOrSeverityIncident).toMatchObject({
      severityIds: [4, 5],
      priorityIds: [3, 4],
    });
    expect(config.rules.cynicHighRiskThreat).toMatchObject({ providers: ['Cynic'], maxRiskId: 200 });
    expect(config.rules.highSeverityMaliciousFile).toMatchObject({
      minSeverityId: 4,
      dataTypes: ['malicious'],
    });
    expect(config.rules.embargoedLocation).toMatchObject({ countries: [], cidrs: [] });
    expect(config.rules.sandboxMaliciousFile.eventTypes).toEqual(['sandbox_file_detection']);
    expect(config.rules.impactedDevicesSpike).toMatchObject({
      windowMinutes: 60,
      baselineWindows: 24,
      factor: 2,
      minDevices: 5,
    });
    expect(config.rules.unresolvedIncidentAging.maxAgeDays).toBe(7);
    expect(config.rules.suspiciousPathExecution.pathPatterns).toEqual(DEFAULT_SUSPICIOUS_PATHS);
    expect(config.dedupRetentionDays).toBe(35);
  });

  it('keeps defaults for the keys a partial configuration leaves out', () => {
    const config = parseMonitorsConfig({ rules: { embargoedDevice: { maxIncidents: 3 } } });
    expect(config.rules.embargoedDevice).toEqual({
      enabled: true,
      severity: 'critical',
      maxIncidents: 3,
      windowMinutes: 1440,
    });
  });

  it.each([
    [
      { rules: { embargoedDevice: { maxIncidents: 0 } } },
      'rules.embargoedDevice.maxIncidents: must be at least 1',
    ],
    [
      { rules: { embargoedDevice: { maxIncident: 2 } } },
      'rules.embargoedDevice: unknown key(s) "maxIncident"',
    ],
    [{ rules: { nope: {} } }, 'rules: unknown key(s) "nope"'],
    [
      { rules: { cynicHighRiskThreat: { severity: 'urgent' } } },
      'rules.cynicHighRiskThreat.severity: must be one of',
    ],
    [
      { rules: { suspiciousPathExecution: { pathPatterns: ['(unclosed'] } } },
      'rules.suspiciousPathExecution.pathPatterns.0',
    ],
    [{ rules: { embargoedLocation: { cidrs: ['10.0.0.0/33'] } } }, 'rules.embargoedLocation.cidrs.0'],
    [{ rules: { embargoedLocation: { countries: ['RUS'] } } }, 'rules.embargoedLocation.countries.0'],
    [
      { rules: { unresolvedIncidentAging: { enabled: 'yes' } } },
      'rules.unresolvedIncidentAging.enabled: expected boolean',
    ],
    [{ consoleBaseUrl: 'http://x' }, 'consoleBaseUrl'],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => parseMonitorsConfig(input)).toThrow(ConfigError);
    expect(() => parseMonitorsConfig(input)).toThrow(message);
  });

  it('reads MONITORS_CONFIG from the environment, and a file for the CLI', () => {
    const env = { MONITORS_CONFIG: '{"rules":{"unresolvedIncidentAging":{"maxAgeDays":3}}}' };
    expect(loadMonitorsConfig({ env }).rules.unresolvedIncidentAging.maxAgeDays).toBe(3);
    expect(loadMonitorsConfig({ env: {} }).rules.unresolvedIncidentAging.maxAgeDays).toBe(7);
    const dir = mkdtempSync(join(tmpdir(), 'monitors-config-'));
    const file = join(dir, 'monitors.json');
    writeFileSync(file, JSON.stringify({ rules: { embargoedDevice: { enabled: false } } }));
    expect(loadMonitorsConfig({ file }).rules.embargoedDevice.enabled).toBe(false);
  });

  it('says where invalid JSON came from', () => {
    expect(() => loadMonitorsConfig({ env: { MONITORS_CONFIG: '{rules:' } })).toThrow(
      'The monitors configuration in env MONITORS_CONFIG is not valid JSON',
    );
    expect(() => loadMonitorsConfig({ file: '/nonexistent/monitors.json' })).toThrow('--monitors-config');
  });
});
