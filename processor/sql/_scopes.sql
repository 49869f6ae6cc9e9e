-- Fragment of the stage_*.sql statements: one row per scope of every request in the
-- batch, with the resource and scope columns built once, before the points are unrolled.
(
    -- Columns derived from the resource and scope ones: a separate level, so that the
    -- attribute maps are built once and not re-derived for each use.
    SELECT
        *,
        ResourceAttributes['service.name'] AS ServiceName,
        cityHash64(ResourceAttributes, ScopeName, ScopeVersion) AS ScopeKey
    FROM
    (
        SELECT
            request_seq AS RequestSeq,
            sloscope_otlp_attributes(resource_metrics.resource.attributes) AS ResourceAttributes,
            resource_metrics.schema_url AS ResourceSchemaUrl,
            scope_metrics.scope.name AS ScopeName,
            scope_metrics.scope.version AS ScopeVersion,
            sloscope_otlp_attributes(scope_metrics.scope.attributes) AS ScopeAttributes,
            scope_metrics.scope.dropped_attributes_count AS ScopeDroppedAttrCount,
            scope_metrics.schema_url AS ScopeSchemaUrl,
            sloscope_otlp_attributes_oversized(resource_metrics.resource.attributes, {max_attributes:UInt32}, {max_attribute_bytes:UInt32})
                OR sloscope_otlp_attributes_oversized(scope_metrics.scope.attributes, {max_attributes:UInt32}, {max_attribute_bytes:UInt32})
                AS ScopeOversized,
            scope_metrics.metrics AS metrics
        FROM ${SOURCE}
        ARRAY JOIN resource_metrics
        ARRAY JOIN resource_metrics.scope_metrics AS scope_metrics
    )
)
