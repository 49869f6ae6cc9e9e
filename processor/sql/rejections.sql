-- The points of one flush's staging table that were rejected, per request and reason.
-- Parameters: db, staging.
SELECT RequestSeq, RejectReason, count() AS Points
FROM {db:Identifier}.{staging:Identifier}
WHERE RejectReason != ''
GROUP BY RequestSeq, RejectReason
