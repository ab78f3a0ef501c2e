-- title: Hosts Summary
-- description: Per device: address, OS, domain, distinct events and incidents, last seen.
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
SELECT device_name, min(device_ip) AS device_ip, min(device_os_name) AS device_os_name, min(device_domain) AS device_domain,
  count(DISTINCT event_uuid) AS events, count(DISTINCT incident_uid) AS incidents, max("@timestamp") AS last_seen
FROM filtered
WHERE device_name IS NOT NULL
GROUP BY device_name
ORDER BY events DESC, device_name ASC
LIMIT 100
