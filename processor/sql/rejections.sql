-- The points of one flush's staging table that were rejected, per request and reason; and
-- (reason '') the valid ones older than the raw retention (raw_oldest_unix_nano): stored
-- into the SLO rollups, whose views see every insert, while their raw rows expire at once.
-- Parameters: staging, raw_oldest_unix_nano.
SELECT RequestSeq, RejectReason, count() AS Points
FROM {staging:Identifier}
WHERE RejectReason != '' OR TimeUnixNano < {raw_oldest_unix_nano:UInt64}
GROUP BY RequestSeq, RejectReason
