-- title: Incidents by Severity
-- description: Latest version of each incident, counted by severity.
-- dashboard: incidents
-- panel: pie
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
SELECT coalesce(CAST(severity AS varchar), 'Unknown') AS severity, count(*) AS incidents
FROM filtered
GROUP BY coalesce(CAST(severity AS varchar), 'Unknown')
ORDER BY incidents DESC, severity ASC
