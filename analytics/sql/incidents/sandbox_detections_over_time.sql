-- title: Sandbox Detections Over Time
-- description: Incidents with detection type Sandbox per UTC day of creation.
-- dashboard: incidents
-- panel: line
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
SELECT CAST(created_ts AS date) AS day, count(*) AS incidents
FROM filtered
WHERE detection_type = 'Sandbox' AND created_ts IS NOT NULL
GROUP BY CAST(created_ts AS date)
ORDER BY day ASC
