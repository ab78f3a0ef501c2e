-- title: Event Totals
-- description: Single values: distinct events, high severity events (Major, Critical or Fatal), suspicious files (distinct SHA-256), affected endpoints and users.
-- dashboard: events
-- panel: kpi
-- params: severity, category, type, user_name, device_name
WITH filtered AS (
  SELECT *
  FROM event_latest
  WHERE lower(coalesce(severity, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(category, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(type, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(user_name, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(device_name, '')) LIKE lower(replace(?, '*', '%'))
)
SELECT
  count(DISTINCT event_uuid) AS total_events,
  count(DISTINCT CASE WHEN severity_id >= 4 THEN event_uuid END) AS high_severity_events,
  count(DISTINCT file_sha256) AS suspicious_files,
  count(DISTINCT device_name) AS affected_endpoints,
  count(DISTINCT user_name) AS affected_users
FROM filtered
