-- title: OCSF incidents by severity
-- description: Latest version of each incident, counted by OCSF severity.
SELECT severity, severity_id, count(*) AS incidents
FROM ocsf_findings_latest
GROUP BY severity, severity_id
ORDER BY severity_id DESC
