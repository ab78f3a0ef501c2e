-- title: Hunt: Outbound connections by destination and port
-- description: Outbound network connections (type_id 8007, network.direction outbound) grouped by destination IP and port, with the number of connections and of devices making them, rare destinations at the bottom.
-- params: device_name
SELECT
  destination_ip,
  destination_port,
  count(*) AS connections,
  count(DISTINCT device_name) AS devices
FROM telemetry_latest
WHERE type_id = '8007'
  AND direction = 'outbound'
  AND lower(coalesce(device_name, '')) LIKE lower(replace(?, '*', '%'))
GROUP BY destination_ip, destination_port
ORDER BY connections DESC, destination_ip ASC, destination_port ASC
