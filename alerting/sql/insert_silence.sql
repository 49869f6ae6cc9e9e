-- insert_silence: a new version of one silence (sloscope_silences).
--
-- Parameters: db, silence_id, matchers, starts_at, ends_at, created_by, created_at,
-- comment, updated_by, version.
INSERT INTO {db:Identifier}.sloscope_silences
    (SilenceId, Matchers, StartsAt, EndsAt, CreatedBy, CreatedAt, Comment, UpdatedBy, Version)
SELECT
    {silence_id:String}, {matchers:String}, {starts_at:DateTime64(3)}, {ends_at:DateTime64(3)},
    {created_by:String}, {created_at:DateTime64(3)}, {comment:String}, {updated_by:String},
    {version:UInt64}
