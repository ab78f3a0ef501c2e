-- title: Hunt: Rare parent → child process pairs
-- description: Parent and child executables of process launches (type_id 8001) seen at most 5 times in the range (e.g. WINWORD.EXE → powershell.exe), rarest first, with the devices they ran on.
-- params: device_name
SELECT
  parent_name,
  process_name,
  count(*) AS launches,
  count(DISTINCT device_name) AS devices,
  min(ts) AS first_seen
FROM telemetry_latest
WHERE type_id = '8001'
  AND parent_name IS NOT NULL
  AND process_name IS NOT NULL
  AND lower(coalesce(device_name, '')) LIKE lower(replace(?, '*', '%'))
GROUP BY parent_name, process_name
HAVING count(*) <= 5
ORDER BY launches ASC, parent_name ASC, process_name ASC
