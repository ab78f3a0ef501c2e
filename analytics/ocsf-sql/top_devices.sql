-- title: OCSF top devices
-- description: Devices with the most incidents (latest versions).
SELECT device.hostname AS device, count(*) AS incidents
FROM ocsf_findings_latest
WHERE device.hostname IS NOT NULL
GROUP BY device.hostname
ORDER BY incidents DESC, device
LIMIT 10
