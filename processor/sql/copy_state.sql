-- The series state for a copy: the newest row of each series (FINAL), every column that
-- `SELECT *` returns. Parameters: db, state.
SELECT *
FROM {db:Identifier}.{state:Identifier} FINAL
