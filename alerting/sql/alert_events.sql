-- alert_events: the history of one alert, oldest first.
--
-- Parameters: db, alert_id.
SELECT At, Kind, Actor, NoteKind, Note, State, Value
FROM {db:Identifier}.sloscope_alert_events
WHERE AlertId = {alert_id:String}
ORDER BY At, Seq
