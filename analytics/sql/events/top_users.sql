-- title: Top 10 Users
-- description: The 10 user names with the most distinct events (by uuid).
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
SELECT user_name, count(DISTINCT event_uuid) AS events
FROM filtered
WHERE user_name IS NOT NULL AND user_name <> ''
GROUP BY user_name
ORDER BY events DESC, user_name ASC
LIMIT 10
