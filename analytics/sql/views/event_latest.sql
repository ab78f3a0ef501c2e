-- title: Events (deduplicated)
-- description: One row per event document (doc_id = incident_uid + event uuid), re-deliveries and repeats across incident versions removed. Adds flat, typed columns for the dashboards, read from the ECS fields where the mapping has one (so both output shapes, with or without preserveDuplicateCustomFields, give the same rows).
-- kind: view
CREATE OR REPLACE VIEW event_latest AS
SELECT *
FROM (
  SELECT
    t.*,
    t.symantec_edr_cloud.doc_id AS doc_id,
    t.event.id AS event_uuid,
    t.symantec_edr_cloud.event.incident_uid AS incident_uid,
    t.symantec_edr_cloud.event.incident_rule_name AS incident_rule_name,
    t.symantec_edr_cloud.event.incident_conclusion AS incident_conclusion,
    t.symantec_edr_cloud.event.incident_severity_id AS incident_severity_id,
    t.symantec_edr_cloud.event.type_id AS type_id,
    t.event.action AS type,
    t.event.severity AS severity_id,
    t.symantec_edr_cloud.event.severity AS severity,
    t.symantec_edr_cloud.event.category_id AS category_id,
    t.symantec_edr_cloud.event.category AS category,
    t.symantec_edr_cloud.event.edr_event_data_type AS edr_event_type,
    t.message AS event_message,
    t.event.reason AS status_detail,
    t.host.name AS device_name,
    t.host.id AS device_uid,
    -- host.ip holds device_ip when it is a valid address; otherwise the vendor field keeps it.
    coalesce(element_at(t.host.ip, 1), t.symantec_edr_cloud.event.device_ip) AS device_ip,
    t.host.os.name AS device_os_name,
    t.host.domain AS device_domain,
    t."user".name AS user_name,
    t.file.name AS file_name,
    t.file.path AS file_path,
    t.file.hash.sha256 AS file_sha256,
    t.symantec_edr_cloud.event.threat.name AS threat_name,
    t.symantec_edr_cloud.event.threat.provider AS threat_provider,
    t.symantec_edr_cloud.event.threat.type AS threat_type,
    t.symantec_edr_cloud.event.threat.risk_id AS threat_risk_id,
    from_iso8601_timestamp(t."@timestamp") AS ts,
    row_number() OVER (
      PARTITION BY t.symantec_edr_cloud.doc_id
      ORDER BY from_iso8601_timestamp(t."@timestamp") DESC NULLS LAST, t.event.ingested DESC NULLS LAST
    ) AS version_rank
  FROM event t
  WHERE t.symantec_edr_cloud.doc_id IS NOT NULL
) latest
WHERE version_rank = 1
