-- title: Events by Event Type
-- description: Distinct events (by uuid) counted by type.
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
SELECT coalesce(CAST(type AS varchar), 'Unknown') AS type, count(DISTINCT event_uuid) AS events
FROM filtered
GROUP BY coalesce(CAST(type AS varchar), 'Unknown')
ORDER BY events DESC, type ASC
