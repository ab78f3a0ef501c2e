-- title: Events by Severity
-- description: Distinct events (by uuid) counted by severity.
-- dashboard: events
-- panel: pie
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
SELECT coalesce(CAST(severity AS varchar), 'Unknown') AS severity, count(DISTINCT event_uuid) AS events
FROM filtered
GROUP BY coalesce(CAST(severity AS varchar), 'Unknown')
ORDER BY events DESC, severity ASC
