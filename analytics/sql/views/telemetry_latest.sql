-- title: Telemetry (deduplicated)
-- description: One row per endpoint telemetry event (doc_id = fingerprint of uuid, so the same event read from the Event Stream, the Data Bucket export and Event Search is one row). Flat, typed columns read from the ECS fields, so both output shapes (with or without preserveDuplicateCustomFields) give the same rows.
-- kind: view
CREATE OR REPLACE VIEW telemetry_latest AS
SELECT *
FROM (
  SELECT
    t.*,
    t.symantec_edr_cloud.doc_id AS doc_id,
    t.event.id AS event_uuid,
    t.ses.type_id AS type_id,
    t.ses.category_name AS category,
    t.event.severity AS severity_id,
    t.ses.severity_value AS severity,
    coalesce(t.host.hostname, t.host.name) AS device_name,
    t."user".name AS user_name,
    t.process.name AS process_name,
    t.process.executable AS process_executable,
    t.process.hash.sha256 AS process_sha256,
    t.process.parent.name AS parent_name,
    t.file.name AS file_name,
    t.file.hash.sha256 AS file_sha256,
    t.destination.ip AS destination_ip,
    t.destination.port AS destination_port,
    element_at(t.network.direction, 1) AS direction,
    t.ses.incident_uid AS incident_uid,
    t.ses.ref_uid AS ref_uid,
    from_iso8601_timestamp(t."@timestamp") AS ts,
    row_number() OVER (
      PARTITION BY t.symantec_edr_cloud.doc_id
      ORDER BY t.event.ingested DESC NULLS LAST
    ) AS version_rank
  FROM telemetry t
  WHERE t.symantec_edr_cloud.doc_id IS NOT NULL
) latest
WHERE version_rank = 1
