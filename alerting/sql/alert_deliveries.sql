-- alert_deliveries: the notifications of one alert, oldest first.
--
-- Parameters: db, alert_id.
SELECT At, Channel, Reason, AlertState, Outcome, Attempts, Error, DurationMs
FROM {db:Identifier}.sloscope_alert_deliveries
WHERE AlertId = {alert_id:String}
ORDER BY At
