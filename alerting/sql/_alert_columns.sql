-- The columns of an alert as alerting/_state_store.py reads them, newest version.
AlertId, Fingerprint, Source, Labels, Annotations, Channels, State, Value, Threshold,
    StartsAt, FiringAt, EndsAt, ClearSince, EvaluatedAt, AcknowledgedBy, AcknowledgedAt,
    ResolvedBy, EscalationLevel, Rearmed, Version
