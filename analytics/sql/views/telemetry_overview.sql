-- title: Telemetry for the Events Overview
-- description: The endpoint telemetry (telemetry_latest, one row per uuid) with the columns of event_latest, so every Events Overview query runs on telemetry by reading this view instead of event_latest (analytics/catalog.ts onTelemetry). incident_uid is the event's own (8075-8078 records, associations); incident-only columns (conclusion, incident severity) are NULL.
-- kind: view
CREATE OR REPLACE VIEW telemetry_overview AS
SELECT
  t.*,
  coalesce(t.rule.name, t.ses.rule_name) AS incident_rule_name,
  CAST(NULL AS varchar) AS incident_conclusion,
  CAST(NULL AS integer) AS incident_severity_id,
  t.ses.type AS type,
  t.ses.category_id AS category_id,
  t.ses.event_data_type AS edr_event_type,
  t.message AS event_message,
  coalesce(t.event.reason, t.ses.status_detail) AS status_detail,
  element_at(t.device.id, 1) AS device_uid,
  coalesce(element_at(t.host.ip, 1), t.ses.device_ip) AS device_ip,
  t.host.os.name AS device_os_name,
  t.client.domain AS device_domain,
  t.file.path AS file_path,
  t.ses.threat.name AS threat_name,
  t.ses.threat.provider AS threat_provider,
  CAST(t.ses.threat.type_id AS varchar) AS threat_type,
  t.ses.threat.risk_id AS threat_risk_id
FROM telemetry_latest t
