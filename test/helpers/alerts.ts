import { buildAlert } from '../../shared/monitors/alert.ts';
import type { Alert } from '../../shared/monitors/index.ts';

/** `n` distinct critical incident alerts (causes `inc-0`…), built at a fixed time for tenant `t`. */
export function alerts(n: number): Alert[] {
  return Array.from({ length: n }, (_, i) =>
    buildAlert(
      {
        rule: 'highPriorityOrSeverityIncident',
        severity: 'critical',
        causeKey: `inc-${i}`,
        title: `High severity incident ${i}`,
        description: 'd',
        url: `https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/inc-${i}/details`,
        evidence: { incidentUids: [`inc-${i}`], eventIds: [], docIds: [`doc-${i}`] },
      },
      { tenant: 't', now: Date.parse('2024-05-01T00:00:00Z'), namespace: undefined },
    ),
  );
}
