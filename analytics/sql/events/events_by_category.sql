-- title: Events by Category
-- description: Distinct events (by uuid) counted by category.
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
SELECT coalesce(CAST(category AS varchar), 'Unknown') AS category, count(DISTINCT event_uuid) AS events
FROM filtered
GROUP BY coalesce(CAST(category AS varchar), 'Unknown')
ORDER BY events DESC, category ASC
