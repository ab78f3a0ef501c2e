-- title: Incidents by Suspected Breach
-- description: Latest version of each incident, counted by suspected breach (Yes/No).
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
SELECT
  CASE WHEN suspected_breach THEN 'Yes' WHEN NOT suspected_breach THEN 'No' ELSE 'Unknown' END AS suspected_breach,
  count(*) AS incidents
FROM filtered
GROUP BY CASE WHEN suspected_breach THEN 'Yes' WHEN NOT suspected_breach THEN 'No' ELSE 'Unknown' END
ORDER BY incidents DESC, suspected_breach ASC
