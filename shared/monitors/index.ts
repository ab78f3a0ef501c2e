/** Detection rules (the Sumo Logic app's nine monitors) evaluated on every delivered batch. */
export {
  ALERT_DATASET,
  type Alert,
  type AlertEvidence,
  type AlertMessage,
  alertId,
  alertMessage,
  RULE_NAMES,
  SEVERITY_SCORE,
} from './alert.ts';
export {
  ALERT_SEVERITIES,
  type AlertSeverity,
  DEFAULT_SUSPICIOUS_PATHS,
  loadMonitorsConfig,
  type MonitorsConfig,
  monitorsConfigSchema,
  parseMonitorsConfig,
  RULE_IDS,
  type RuleId,
} from './config.ts';
export { createMonitorEngine, type MonitorEngine, type MonitorEngineOptions } from './engine.ts';
export { type CountryLookup, isPrivateIp } from './geo.ts';
export {
  type AlertPublisher,
  alertJson,
  DEFAULT_DETAIL_TYPE,
  DEFAULT_EVENT_SOURCE,
  EventBridgeAlertPublisher,
  FileAlertPublisher,
  MultiAlertPublisher,
  publishersFromEnv,
  SnsAlertPublisher,
} from './publishers.ts';
export { STATE_NAME } from './state.ts';
