-- last_notified: for each alert of `alert_ids` and each channel, the newest notification
-- delivered: the alert state it told and when.
--
-- Parameters: db, alert_ids.
SELECT AlertId, Channel, argMax(AlertState, At), max(At)
FROM {db:Identifier}.sloscope_alert_deliveries
WHERE AlertId IN {alert_ids:Array(String)} AND Outcome = 'delivered'
GROUP BY AlertId, Channel
