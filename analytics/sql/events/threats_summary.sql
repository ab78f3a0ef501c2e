-- title: Threats Summary
-- description: Per threat name and provider: type, highest risk id, distinct events and devices.
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
SELECT threat_name, threat_provider, min(threat_type) AS threat_type, max(threat_risk_id) AS max_risk_id,
  count(DISTINCT event_uuid) AS events, count(DISTINCT device_name) AS devices
FROM filtered
WHERE threat_name IS NOT NULL
GROUP BY threat_name, threat_provider
ORDER BY events DESC, threat_name ASC, threat_provider ASC
LIMIT 100
