-- How many write rounds one flush's staging table needs: the largest number of distinct
-- point times any valid series has in it (usually 1). Parameters: db, staging.
SELECT max(Points)
FROM (
    SELECT uniqExact(TimeUnixNano) AS Points
    FROM {db:Identifier}.{staging:Identifier}
    WHERE RejectReason = ''
    GROUP BY SeriesKey
)
