-- title: Unresolved Incidents
-- description: Open incidents (state Unknown, New, In Progress, On Hold), oldest first, with their age in hours at their last change.
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
SELECT ref_incident_uid, incident_uid, created, state, severity, priority, conclusion, rule_name,
  CAST(date_diff('millisecond', created_ts, modified_ts) AS double) / 3600000 AS hours_open_at_last_change
FROM filtered
WHERE state_id IN ('0', '1', '2', '3')
ORDER BY created ASC, incident_uid ASC
LIMIT 100
