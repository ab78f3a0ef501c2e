-- title: Incident Totals
-- description: Single values: total, open (state 0-3), high severity (Major or Critical), high priority (High or Critical), Cynic detections (rule name mentions Cynic), new and unknown incidents.
-- dashboard: incidents
-- panel: kpi
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
SELECT
  count(*) AS total_incidents,
  count(CASE WHEN state_id IN ('0', '1', '2', '3') THEN 1 END) AS open_incidents,
  count(CASE WHEN severity_id IN (4, 5) THEN 1 END) AS high_severity_incidents,
  count(CASE WHEN priority_id IN ('3', '4') THEN 1 END) AS high_priority_incidents,
  count(CASE WHEN lower(coalesce(rule_name, '')) LIKE '%cynic%' THEN 1 END) AS cynic_detections,
  count(CASE WHEN state_id = '1' THEN 1 END) AS new_incidents,
  count(CASE WHEN state_id = '0' THEN 1 END) AS unknown_incidents
FROM filtered
