-- title: Incident Summary
-- description: The 100 most recently created incidents, newest first.
-- dashboard: incidents
-- panel: table
-- params: severity, category, type, state, conclusion
WITH filtered AS (
  SELECT *
  FROM incident_latest
  WHERE lower(coalesce(severity, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(category, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(type, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(state, '')) LIKE lower(replace(?, '*', '%'))
    AND lower(coalesce(conclusion, '')) LIKE lower(replace(?, '*', '%'))
)
SELECT ref_incident_uid, incident_uid, created, modified, severity, priority, state, conclusion, detection_type, rule_name, message
FROM filtered
ORDER BY created DESC, incident_uid ASC
LIMIT 100
