-- open_alerts: the alerts the evaluator carries on from: every one not resolved, and
-- those resolved by hand whose condition has not cleared since (not Rearmed), newest
-- version of each.
--
-- Parameters: db.
SELECT ${ALERT_COLUMNS}
FROM {db:Identifier}.sloscope_alerts FINAL
WHERE State != 'resolved' OR (ResolvedBy != 'sloscope' AND NOT Rearmed)
ORDER BY StartsAt, AlertId
