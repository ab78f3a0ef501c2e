-- title: OCSF top files and hashes
-- description: Evidence files by name and SHA-256 across the latest incident versions (one count per evidence naming the file).
SELECT ev.file.name AS file_name, h.value AS sha256, count(*) AS incidents
FROM ocsf_findings_latest
CROSS JOIN UNNEST(evidences) AS t (ev)
CROSS JOIN UNNEST(ev.file.hashes) AS u (h)
WHERE h.algorithm_id = 3
GROUP BY ev.file.name, h.value
ORDER BY incidents DESC, file_name, sha256
LIMIT 10
