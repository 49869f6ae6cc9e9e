-- insert_alerts: new versions of alerts (sloscope_alerts), one per element of the
-- parallel arrays a_* (one alert each).
--
-- Labels and annotations come as key and value arrays (a map parameter does not bind).
--
-- Parameters: db, a_id, a_fingerprint, a_source, a_label_keys, a_label_values,
-- a_annotation_keys, a_annotation_values, a_channels,
-- a_state, a_value, a_threshold, a_starts, a_firing, a_ends, a_clear, a_evaluated,
-- a_ack_by, a_ack_at, a_resolved_by, a_level, a_rearmed, a_version.
INSERT INTO {db:Identifier}.sloscope_alerts (
    AlertId, Fingerprint, Source, Labels, Annotations, Channels, State, Value, Threshold,
    StartsAt, FiringAt, EndsAt, ClearSince, EvaluatedAt, AcknowledgedBy, AcknowledgedAt,
    ResolvedBy, EscalationLevel, Rearmed, Version
)
SELECT
    id, fingerprint, source, mapFromArrays(label_keys, label_values),
    mapFromArrays(annotation_keys, annotation_values), channels, state, value, threshold,
    starts, firing, ends, clear, evaluated, ack_by, ack_at, resolved_by, level, rearmed, version
FROM system.one
ARRAY JOIN
    {a_id:Array(String)} AS id,
    {a_fingerprint:Array(String)} AS fingerprint,
    {a_source:Array(String)} AS source,
    {a_label_keys:Array(Array(String))} AS label_keys,
    {a_label_values:Array(Array(String))} AS label_values,
    {a_annotation_keys:Array(Array(String))} AS annotation_keys,
    {a_annotation_values:Array(Array(String))} AS annotation_values,
    {a_channels:Array(Array(String))} AS channels,
    {a_state:Array(String)} AS state,
    {a_value:Array(Float64)} AS value,
    {a_threshold:Array(Float64)} AS threshold,
    {a_starts:Array(DateTime64(3))} AS starts,
    {a_firing:Array(Nullable(DateTime64(3)))} AS firing,
    {a_ends:Array(Nullable(DateTime64(3)))} AS ends,
    {a_clear:Array(Nullable(DateTime64(3)))} AS clear,
    {a_evaluated:Array(DateTime64(3))} AS evaluated,
    {a_ack_by:Array(String)} AS ack_by,
    {a_ack_at:Array(Nullable(DateTime64(3)))} AS ack_at,
    {a_resolved_by:Array(String)} AS resolved_by,
    {a_level:Array(UInt8)} AS level,
    {a_rearmed:Array(Bool)} AS rearmed,
    {a_version:Array(UInt64)} AS version
