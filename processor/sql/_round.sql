-- Fragment of the write_*.sql statements: the points of this round (round), the series
-- new to their metric with whether each goes to the overflow series (new_series), and per
-- series the point times this round stores (stored).
    round AS (
        -- The round-th point in time of each series converted from cumulative, and every
        -- other point in round 1; the same rows whatever is already stored, so that a
        -- retried round carries the same deduplication token for the same rows.
        SELECT SeriesKey, TimeUnixNano, Converted AS RoundConverted
        FROM (
            SELECT
                SeriesKey,
                TimeUnixNano,
                Converted,
                if(Converted, row_number() OVER (PARTITION BY SeriesKey ORDER BY TimeUnixNano), 1)
                    AS PointRank
            FROM (
                SELECT DISTINCT SeriesKey, TimeUnixNano, Converted
                FROM {staging:Identifier}
                WHERE RejectReason = ''
            )
        )
        WHERE PointRank = {round:UInt32}
    ),
    new_series AS (
        SELECT
            SeriesKey,
            AdmittedSeries + row_number() OVER (PARTITION BY ServiceName, MetricName ORDER BY SeriesKey)
                > {series_limit:UInt64} AS NewOverflow
        FROM (
            SELECT DISTINCT ServiceName, MetricName, SeriesKey
            FROM {staging:Identifier}
            WHERE SeriesKey NOT IN (SELECT SeriesKey FROM known)
        ) AS unseen
        LEFT JOIN (
            SELECT ServiceName, MetricName, sum(AdmittedSeries) AS AdmittedSeries
            FROM {db:Identifier}.{counts:Identifier}
            WHERE (ServiceName, MetricName) IN (
                SELECT DISTINCT ServiceName, MetricName FROM {staging:Identifier}
            )
            GROUP BY ServiceName, MetricName
        ) AS admitted USING (ServiceName, MetricName)
    ),
    stored AS (
        -- The newest stored point is the one whose row updates the series' state, with
        -- the recent times it had and those stored now.
        SELECT
            SeriesKey,
            max(TimeUnixNano) AS NewestStored,
            sloscope_recent_times(any(PrevRecent), groupArray(TimeUnixNano), {recent_points:UInt32})
                AS RecentAfter
        FROM round
        LEFT JOIN known USING (SeriesKey)
        WHERE sloscope_point_is_new(
            TimeUnixNano, PrevTime, PrevRecent, RoundConverted, {recent_points:UInt32})
        GROUP BY SeriesKey
    )
