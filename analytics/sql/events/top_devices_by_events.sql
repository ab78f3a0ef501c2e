-- title: Top 10 Devices by Events
-- description: The 10 devices (host names) with the most distinct events (by uuid).
-- dashboard: events
-- panel: bar
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
SELECT device_name, count(DISTINCT event_uuid) AS events
FROM filtered
WHERE device_name IS NOT NULL AND device_name <> ''
GROUP BY device_name
ORDER BY events DESC, device_name ASC
LIMIT 10
