-- title: Incidents (latest version)
-- description: One row per incident: its newest lifecycle record by modified, then @timestamp; re-deliveries of the same doc_id collapse too. Adds flat, typed columns for the dashboards, read from the ECS fields where the mapping has one (so both output shapes, with or without preserveDuplicateCustomFields, give the same rows).
-- kind: view
CREATE OR REPLACE VIEW incident_latest AS
SELECT *
FROM (
  SELECT
    t.*,
    t.symantec_edr_cloud.doc_id AS doc_id,
    t.event.id AS incident_uid,
    t.symantec_edr_cloud.incident.ref_incident_uid AS ref_incident_uid,
    t.symantec_edr_cloud.incident.type AS type,
    t.symantec_edr_cloud.incident.type_id AS type_id,
    t.symantec_edr_cloud.incident.event AS event_name,
    t.event.severity AS severity_id,
    t.symantec_edr_cloud.incident.severity AS severity,
    t.symantec_edr_cloud.incident.priority_id AS priority_id,
    t.symantec_edr_cloud.incident.priority AS priority,
    t.symantec_edr_cloud.incident.state_id AS state_id,
    t.symantec_edr_cloud.incident.state AS state,
    t.symantec_edr_cloud.incident.category_id AS category_id,
    t.symantec_edr_cloud.incident.category AS category,
    t.symantec_edr_cloud.incident.resolution AS resolution,
    t.event.reason AS conclusion,
    t.symantec_edr_cloud.incident.detection_type AS detection_type,
    t.symantec_edr_cloud.incident.suspected_breach AS suspected_breach,
    t.rule.name AS rule_name,
    t.symantec_edr_cloud.incident.remediation AS remediation,
    t.event.url AS incident_url,
    t.event.created AS created,
    t.symantec_edr_cloud.incident.modified AS modified,
    from_iso8601_timestamp(t.event.created) AS created_ts,
    from_iso8601_timestamp(t.symantec_edr_cloud.incident.modified) AS modified_ts,
    from_iso8601_timestamp(t."@timestamp") AS ts,
    row_number() OVER (
      PARTITION BY t.event.id
      ORDER BY
        from_iso8601_timestamp(t.symantec_edr_cloud.incident.modified) DESC NULLS LAST,
        from_iso8601_timestamp(t."@timestamp") DESC NULLS LAST,
        t.symantec_edr_cloud.doc_id DESC
    ) AS version_rank
  FROM incident t
  WHERE t.event.id IS NOT NULL
) latest
WHERE version_rank = 1
