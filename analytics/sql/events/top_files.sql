-- title: Top 10 Malicious Files
-- description: The 10 file names with the most distinct events (by uuid).
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
SELECT file_name, count(DISTINCT event_uuid) AS events
FROM filtered
WHERE file_name IS NOT NULL AND file_name <> ''
GROUP BY file_name
ORDER BY events DESC, file_name ASC
LIMIT 10
