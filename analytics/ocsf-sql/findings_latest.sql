-- title: OCSF findings, latest version of each incident
-- description: The newest Detection Finding per finding_info.uid (an incident has one record per version).
WITH ranked AS (
  SELECT f.*, row_number() OVER (PARTITION BY f.finding_info.uid ORDER BY f.time DESC, f.metadata.modified_time DESC) AS rn
  FROM ocsf_detection_finding f
)
SELECT * FROM ranked WHERE rn = 1
