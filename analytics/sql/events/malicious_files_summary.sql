-- title: Malicious Files Summary
-- description: Files seen in events: hash, name, where, on how many devices, how often, first and last seen.
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
SELECT file_sha256, file_name, min(file_path) AS file_path, count(DISTINCT device_name) AS devices,
  count(DISTINCT event_uuid) AS events, min("@timestamp") AS first_seen, max("@timestamp") AS last_seen
FROM filtered
WHERE file_sha256 IS NOT NULL
GROUP BY file_sha256, file_name
ORDER BY events DESC, file_sha256 ASC, file_name ASC
LIMIT 100
