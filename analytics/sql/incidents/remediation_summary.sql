-- title: Remediation Summary
-- description: Recommended remediation per conclusion and rule, with how many incidents (open of them) call for it.
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
SELECT conclusion, rule_name, remediation, count(*) AS incidents, count(CASE WHEN state_id IN ('0', '1', '2', '3') THEN 1 END) AS open_incidents
FROM filtered
WHERE remediation IS NOT NULL
GROUP BY conclusion, rule_name, remediation
ORDER BY incidents DESC, conclusion ASC, rule_name ASC, remediation ASC
LIMIT 100
