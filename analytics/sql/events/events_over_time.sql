-- title: Events Over Time
-- description: Distinct events per UTC day of their timestamp.
-- dashboard: events
-- panel: line
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
SELECT CAST(ts AS date) AS day, count(DISTINCT event_uuid) AS events
FROM filtered
WHERE ts IS NOT NULL
GROUP BY CAST(ts AS date)
ORDER BY day ASC
