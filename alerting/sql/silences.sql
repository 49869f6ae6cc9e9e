-- silences: every silence, newest version of each, those ending last first.
--
-- Parameters: db.
SELECT SilenceId, Matchers, StartsAt, EndsAt, CreatedBy, CreatedAt, Comment, UpdatedBy, Version
FROM {db:Identifier}.sloscope_silences FINAL
ORDER BY EndsAt DESC, SilenceId
