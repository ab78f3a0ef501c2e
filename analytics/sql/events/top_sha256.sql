-- title: Top 10 File SHA256
-- description: The 10 file SHA-256 hashes with the most distinct events (by uuid).
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
SELECT file_sha256, count(DISTINCT event_uuid) AS events
FROM filtered
WHERE file_sha256 IS NOT NULL AND file_sha256 <> ''
GROUP BY file_sha256
ORDER BY events DESC, file_sha256 ASC
LIMIT 10
