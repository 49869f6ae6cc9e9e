-- insert_deliveries: notifications sent or tried (sloscope_alert_deliveries), one row
-- per alert in each, from the parallel arrays d_*.
--
-- Parameters: db, d_at, d_delivery, d_channel, d_group, d_alert, d_state, d_reason,
-- d_outcome, d_attempts, d_error, d_duration_ms.
INSERT INTO {db:Identifier}.sloscope_alert_deliveries
    (At, DeliveryId, Channel, GroupKey, AlertId, AlertState, Reason, Outcome, Attempts, Error,
     DurationMs)
SELECT at, delivery, channel, group_key, alert, state, reason, outcome, attempts, error, duration
FROM system.one
ARRAY JOIN
    {d_at:Array(DateTime64(3))} AS at,
    {d_delivery:Array(String)} AS delivery,
    {d_channel:Array(String)} AS channel,
    {d_group:Array(String)} AS group_key,
    {d_alert:Array(String)} AS alert,
    {d_state:Array(String)} AS state,
    {d_reason:Array(String)} AS reason,
    {d_outcome:Array(String)} AS outcome,
    {d_attempts:Array(UInt16)} AS attempts,
    {d_error:Array(String)} AS error,
    {d_duration_ms:Array(Float64)} AS duration
