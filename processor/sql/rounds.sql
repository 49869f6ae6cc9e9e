-- How many write rounds one flush's staging table needs: the largest number of distinct
-- point times a series to be converted from cumulative has in it (each such point needs
-- the one before it stored), or 1 when there are valid points (delta points of a series
-- all go in the first round). Parameters: staging.
SELECT max(Points)
FROM (
    SELECT if(Converted, uniqExact(TimeUnixNano), 1) AS Points
    FROM {staging:Identifier}
    WHERE RejectReason = ''
    GROUP BY SeriesKey, Converted
)
