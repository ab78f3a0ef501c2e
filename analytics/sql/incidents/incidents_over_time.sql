-- title: Incidents Over Time
-- description: Incidents per UTC day of creation, split by their current state.
-- dashboard: incidents
-- panel: stacked_bar
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
SELECT CAST(created_ts AS date) AS day, coalesce(state, 'Unknown') AS state, count(*) AS incidents
FROM filtered
WHERE created_ts IS NOT NULL
GROUP BY CAST(created_ts AS date), coalesce(state, 'Unknown')
ORDER BY day ASC, state ASC
