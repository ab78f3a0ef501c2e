-- title: Incidents with Device
-- description: Which incidents involve which devices: rule, conclusion, distinct events, last seen.
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
SELECT incident_uid, device_name, min(incident_rule_name) AS rule_name, min(incident_conclusion) AS conclusion,
  count(DISTINCT event_uuid) AS events, max("@timestamp") AS last_seen
FROM filtered
WHERE device_name IS NOT NULL
GROUP BY incident_uid, device_name
ORDER BY events DESC, last_seen DESC, incident_uid ASC, device_name ASC
LIMIT 100
