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
  count_if(state_id IN ('0', '1', '2', '3')) AS open_incidents,
  count_if(severity_id IN (4, 5)) AS high_severity_incidents,
  count_if(priority_id IN ('3', '4')) AS high_priority_incidents,
  count_if(lower(coalesce(rule_name, '')) LIKE '%cynic%') AS cynic_detections,
  count_if(state_id = '1') AS new_incidents,
  count_if(state_id = '0') AS unknown_incidents
FROM filtered
