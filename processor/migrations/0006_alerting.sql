-- Alerting state (alerting/_state_store.py), kept in the store so that a restart keeps
-- every alert, its history and every silence (docs/alerting.md).
--
-- sloscope_alerts: the current state of each alert, one row per change, the highest
-- Version in force (read with FINAL, or argMax). One alert per Fingerprint (the rule and
-- its label set) is active at a time; a resolved alert stays, and the next firing of the
-- same rule and labels is a new AlertId.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_alerts ${ON_CLUSTER} (
    AlertId String,
    Fingerprint String,
    Source LowCardinality(String),
    Labels Map(LowCardinality(String), String),
    Annotations Map(LowCardinality(String), String),
    Channels Array(String),
    State LowCardinality(String),
    Value Float64,
    Threshold Float64,
    StartsAt DateTime64(3),
    FiringAt Nullable(DateTime64(3)),
    EndsAt Nullable(DateTime64(3)),
    ClearSince Nullable(DateTime64(3)),
    EvaluatedAt DateTime64(3),
    AcknowledgedBy String,
    AcknowledgedAt Nullable(DateTime64(3)),
    ResolvedBy String,
    EscalationLevel UInt8,
    Rearmed Bool,
    Version UInt64
)
ENGINE = ${REPLACING_MERGE_TREE}(Version)
ORDER BY AlertId;

-- sloscope_alert_events: every change of every alert, append-only, with who and when:
-- Kind pending, firing, acknowledged, resolved, reopened, escalated, annotation; Actor
-- "sloscope" for the evaluator, else the user the CLI or API named; Note the annotation
-- (NoteKind note, action or resolution) or the reason.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_alert_events ${ON_CLUSTER} (
    AlertId String,
    At DateTime64(3),
    Seq UInt64,
    Kind LowCardinality(String),
    Actor String,
    NoteKind LowCardinality(String),
    Note String,
    State LowCardinality(String),
    Value Float64
)
ENGINE = ${MERGE_TREE}
ORDER BY (AlertId, At, Seq);

-- sloscope_silences: silences (label matchers as JSON, a time range), one row per
-- change, the highest Version in force; expiring one sets EndsAt, never deletes it.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_silences ${ON_CLUSTER} (
    SilenceId String,
    Matchers String,
    StartsAt DateTime64(3),
    EndsAt DateTime64(3),
    CreatedBy String,
    CreatedAt DateTime64(3),
    Comment String,
    UpdatedBy String,
    Version UInt64
)
ENGINE = ${REPLACING_MERGE_TREE}(Version)
ORDER BY SilenceId;

-- sloscope_alert_deliveries: every notification sent or tried, one row per alert in it:
-- Reason firing, resolved, repeat or escalation; Outcome delivered or failed (after
-- Attempts tries). The dispatcher reads the newest delivered row per alert and channel
-- after a restart, so nothing is sent twice and nothing is forgotten.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_alert_deliveries ${ON_CLUSTER} (
    At DateTime64(3),
    DeliveryId String,
    Channel String,
    GroupKey String,
    AlertId String,
    AlertState LowCardinality(String),
    Reason LowCardinality(String),
    Outcome LowCardinality(String),
    Attempts UInt16,
    Error String,
    DurationMs Float64
)
ENGINE = ${MERGE_TREE}
ORDER BY (AlertId, Channel, At);
