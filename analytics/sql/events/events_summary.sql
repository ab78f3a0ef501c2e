-- title: Events Summary
-- description: The 100 most recent events, newest first.
-- dashboard: events
-- panel: table
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
SELECT "@timestamp" AS event_time, event_uuid, type, severity, device_name, user_name, file_name, threat_name, event_message AS message, incident_uid
FROM filtered
ORDER BY "@timestamp" DESC, event_uuid ASC, incident_uid ASC
LIMIT 100
