-- title: OCSF incidents by state
-- description: Latest version of each incident by status (ICD states OCSF lacks are 99 Other with the ICD caption).
SELECT status, count(*) AS incidents
FROM ocsf_findings_latest
GROUP BY status
ORDER BY incidents DESC, status
