-- title: Hunt: Process executions per device
-- description: Process launches (type_id 8001) per device: how many, how many distinct executables, first and last seen. A device far above its peers, or one new executable, is where to look.
-- params: device_name
SELECT
  device_name,
  count(*) AS executions,
  count(DISTINCT process_name) AS distinct_processes,
  min(ts) AS first_seen,
  max(ts) AS last_seen
FROM telemetry_latest
WHERE type_id = '8001'
  AND lower(coalesce(device_name, '')) LIKE lower(replace(?, '*', '%'))
GROUP BY device_name
ORDER BY executions DESC, device_name ASC
