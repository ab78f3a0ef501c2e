-- title: Incidents (latest version)
-- description: One row per incident: its newest lifecycle record by modified, then @timestamp; re-deliveries of the same doc_id collapse too. Adds flat, typed columns for the dashboards.
-- kind: view
CREATE OR REPLACE VIEW incident_latest AS
SELECT *
FROM (
  SELECT
    t.*,
    t.symantec_edr_cloud.doc_id AS doc_id,
    t.symantec_edr_cloud.incident.incident_uid AS incident_uid,
    t.symantec_edr_cloud.incident.ref_incident_uid AS ref_incident_uid,
    t.symantec_edr_cloud.incident.type AS type,
    t.symantec_edr_cloud.incident.type_id AS type_id,
    t.symantec_edr_cloud.incident.event AS event_name,
    t.symantec_edr_cloud.incident.severity_id AS severity_id,
    t.symantec_edr_cloud.incident.severity AS severity,
    t.symantec_edr_cloud.incident.priority_id AS priority_id,
    t.symantec_edr_cloud.incident.priority AS priority,
    t.symantec_edr_cloud.incident.state_id AS state_id,
    t.symantec_edr_cloud.incident.state AS state,
    t.symantec_edr_cloud.incident.category_id AS category_id,
    t.symantec_edr_cloud.incident.category AS category,
    t.symantec_edr_cloud.incident.resolution AS resolution,
    t.symantec_edr_cloud.incident.conclusion AS conclusion,
    t.symantec_edr_cloud.incident.detection_type AS detection_type,
    t.symantec_edr_cloud.incident.suspected_breach AS suspected_breach,
    t.symantec_edr_cloud.incident.rule_name AS rule_name,
    t.symantec_edr_cloud.incident.remediation AS remediation,
    t.symantec_edr_cloud.incident.incident_url AS incident_url,
    t.symantec_edr_cloud.incident.created AS created,
    t.symantec_edr_cloud.incident.modified AS modified,
    from_iso8601_timestamp(t.symantec_edr_cloud.incident.created) AS created_ts,
    from_iso8601_timestamp(t.symantec_edr_cloud.incident.modified) AS modified_ts,
    from_iso8601_timestamp(t."@timestamp") AS ts,
    row_number() OVER (
      PARTITION BY t.symantec_edr_cloud.incident.incident_uid
      ORDER BY
        from_iso8601_timestamp(t.symantec_edr_cloud.incident.modified) DESC NULLS LAST,
        from_iso8601_timestamp(t."@timestamp") DESC NULLS LAST,
        t.symantec_edr_cloud.doc_id DESC
    ) AS version_rank
  FROM incident t
  WHERE t.symantec_edr_cloud.incident.incident_uid IS NOT NULL
) latest
WHERE version_rank = 1
