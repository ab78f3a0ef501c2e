-- title: Incidents by Category
-- description: Latest version of each incident, counted by category.
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
SELECT coalesce(CAST(category AS varchar), 'Unknown') AS category, count(*) AS incidents
FROM filtered
GROUP BY coalesce(CAST(category AS varchar), 'Unknown')
ORDER BY incidents DESC, category ASC
