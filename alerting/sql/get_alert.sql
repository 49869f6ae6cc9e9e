-- get_alert: one alert by id, newest version (no row when there is none).
--
-- Parameters: db, alert_id.
SELECT ${ALERT_COLUMNS}
FROM {db:Identifier}.sloscope_alerts FINAL
WHERE AlertId = {alert_id:String}
