-- title: Incident Resolution Rate and Average Resolution Time
-- description: Share of incidents Resolved or Closed (state 4, 5), and their mean time from created to modified (last change), in milliseconds and hours.
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
  count(CASE WHEN state_id IN ('4', '5') THEN 1 END) AS resolved_incidents,
  CAST(count(CASE WHEN state_id IN ('4', '5') THEN 1 END) AS double) / nullif(count(*), 0) AS resolution_rate,
  avg(CASE WHEN state_id IN ('4', '5') THEN date_diff('millisecond', created_ts, modified_ts) END) AS avg_resolution_ms,
  avg(CASE WHEN state_id IN ('4', '5') THEN CAST(date_diff('millisecond', created_ts, modified_ts) AS double) END) / 3600000 AS avg_resolution_hours
FROM filtered
