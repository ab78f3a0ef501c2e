-- title: Top 10 Device IPs
-- description: The 10 device IP addresses with the most distinct events (by uuid).
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
SELECT device_ip, count(DISTINCT event_uuid) AS events
FROM filtered
WHERE device_ip IS NOT NULL AND device_ip <> ''
GROUP BY device_ip
ORDER BY events DESC, device_ip ASC
LIMIT 10
