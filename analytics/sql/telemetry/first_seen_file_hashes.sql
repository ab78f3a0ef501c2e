-- title: Hunt: First-seen file hashes
-- description: Every SHA-256 named by a file event (8003) or a sandbox detection (8031), with when it was first seen, how often and on how many devices, newest first: so a hash that appeared recently and rarely tops the list.
-- params: device_name
SELECT
  file_sha256,
  min(file_name) AS file_name,
  min(ts) AS first_seen,
  count(*) AS sightings,
  count(DISTINCT device_name) AS devices
FROM telemetry_latest
WHERE type_id IN ('8003', '8031')
  AND file_sha256 IS NOT NULL
  AND lower(coalesce(device_name, '')) LIKE lower(replace(?, '*', '%'))
GROUP BY file_sha256
ORDER BY first_seen DESC, file_sha256 ASC
