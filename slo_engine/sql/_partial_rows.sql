-- Fragment of histogram_windows.sql and exponential_windows.sql: the WHERE clause of the
-- raw rows read for the parts of minutes a boundary cuts (partial, partial_minutes).
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND toStartOfMinute(TimeUnix) IN {partial_minutes:Array(DateTime)}
                AND arrayExists(p -> sloscope_point_in_v1(TimeUnix, TimeUnixNano, p.1, p.2),
                    {partial:Array(Tuple(UInt64, UInt64))})
                AND bitAnd(Flags, 1) = 0
                AND AggregationTemporality = 1
