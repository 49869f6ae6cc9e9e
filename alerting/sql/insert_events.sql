-- insert_events: changes of alerts (sloscope_alert_events), one per element of e_*.
--
-- Parameters: db, e_id, e_at, e_seq, e_kind, e_actor, e_note_kind, e_note, e_state,
-- e_value.
INSERT INTO {db:Identifier}.sloscope_alert_events
    (AlertId, At, Seq, Kind, Actor, NoteKind, Note, State, Value)
SELECT id, at, seq, kind, actor, note_kind, note, state, value
FROM system.one
ARRAY JOIN
    {e_id:Array(String)} AS id,
    {e_at:Array(DateTime64(3))} AS at,
    {e_seq:Array(UInt64)} AS seq,
    {e_kind:Array(String)} AS kind,
    {e_actor:Array(String)} AS actor,
    {e_note_kind:Array(String)} AS note_kind,
    {e_note:Array(String)} AS note,
    {e_state:Array(String)} AS state,
    {e_value:Array(Float64)} AS value
