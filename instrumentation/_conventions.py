"""Every metric name, unit and attribute key the package emits, in one place.

HTTP names follow the stable HTTP semantic conventions; system and process names follow
the current (Development / Release Candidate) system, process and CPython conventions,
not the legacy names of opentelemetry-instrumentation-system-metrics. PostgreSQL names
follow the OpenTelemetry Collector contrib ``postgresqlreceiver`` so that dashboards built
for it work unchanged.
"""

from __future__ import annotations

from typing import Final

from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.http_attributes import (
    HTTP_REQUEST_METHOD,
    HTTP_RESPONSE_STATUS_CODE,
    HTTP_ROUTE,
)
from opentelemetry.semconv.attributes.url_attributes import URL_SCHEME
from opentelemetry.semconv.metrics.http_metrics import HTTP_SERVER_REQUEST_DURATION

SCOPE_NAME: Final = "sloscope.instrumentation"

# --- resource -------------------------------------------------------------------------
ATTR_SERVICE_NAME: Final = "service.name"
ATTR_SERVICE_VERSION: Final = "service.version"
ATTR_SERVICE_INSTANCE_ID: Final = "service.instance.id"
ATTR_DEPLOYMENT_ENVIRONMENT: Final = "deployment.environment"
ATTR_DEPLOYMENT_ENVIRONMENT_NAME: Final = "deployment.environment.name"
ATTR_HOST_NAME: Final = "host.name"
ATTR_PROCESS_PID: Final = "process.pid"

# --- HTTP server (stable semantic conventions) -----------------------------------------
METRIC_HTTP_SERVER_REQUEST_DURATION: Final = HTTP_SERVER_REQUEST_DURATION
METRIC_HTTP_SERVER_ACTIVE_REQUESTS: Final = "http.server.active_requests"
METRIC_HTTP_SERVER_REQUEST_BODY_SIZE: Final = "http.server.request.body.size"
METRIC_HTTP_SERVER_RESPONSE_BODY_SIZE: Final = "http.server.response.body.size"

ATTR_HTTP_REQUEST_METHOD: Final = HTTP_REQUEST_METHOD
ATTR_HTTP_RESPONSE_STATUS_CODE: Final = HTTP_RESPONSE_STATUS_CODE
ATTR_HTTP_ROUTE: Final = HTTP_ROUTE
ATTR_ERROR_TYPE: Final = ERROR_TYPE
ATTR_URL_SCHEME: Final = URL_SCHEME

HTTP_DURATION_ATTRIBUTE_KEYS: Final = frozenset(
    {
        ATTR_HTTP_REQUEST_METHOD,
        ATTR_HTTP_RESPONSE_STATUS_CODE,
        ATTR_HTTP_ROUTE,
        ATTR_ERROR_TYPE,
        ATTR_URL_SCHEME,
    }
)
"""The allow-list the duration and body-size Views keep (every other key is dropped)."""

# --- system and process ----------------------------------------------------------------
ATTR_CPU_MODE: Final = "cpu.mode"
ATTR_SYSTEM_MEMORY_STATE: Final = "system.memory.state"
ATTR_SYSTEM_PAGING_STATE: Final = "system.paging.state"
ATTR_SYSTEM_DEVICE: Final = "system.device"
ATTR_SYSTEM_FILESYSTEM_STATE: Final = "system.filesystem.state"
ATTR_SYSTEM_FILESYSTEM_TYPE: Final = "system.filesystem.type"
ATTR_SYSTEM_FILESYSTEM_MODE: Final = "system.filesystem.mode"
ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT: Final = "system.filesystem.mountpoint"
ATTR_DISK_IO_DIRECTION: Final = "disk.io.direction"
ATTR_NETWORK_IO_DIRECTION: Final = "network.io.direction"
ATTR_NETWORK_INTERFACE_NAME: Final = "network.interface.name"
ATTR_NETWORK_CONNECTION_STATE: Final = "network.connection.state"
ATTR_NETWORK_TRANSPORT: Final = "network.transport"
ATTR_PROCESS_STATE: Final = "process.state"
ATTR_CPYTHON_GC_GENERATION: Final = "cpython.gc.generation"

METRIC_SYSTEM_CPU_TIME: Final = "system.cpu.time"
METRIC_SYSTEM_CPU_UTILIZATION: Final = "system.cpu.utilization"
METRIC_SYSTEM_CPU_LOGICAL_COUNT: Final = "system.cpu.logical.count"
# No semantic convention yet: the Collector hostmetrics receiver's names.
METRIC_SYSTEM_CPU_LOAD_AVERAGE_1M: Final = "system.cpu.load_average.1m"
METRIC_SYSTEM_CPU_LOAD_AVERAGE_5M: Final = "system.cpu.load_average.5m"
METRIC_SYSTEM_CPU_LOAD_AVERAGE_15M: Final = "system.cpu.load_average.15m"
METRIC_SYSTEM_MEMORY_USAGE: Final = "system.memory.usage"
METRIC_SYSTEM_MEMORY_UTILIZATION: Final = "system.memory.utilization"
METRIC_SYSTEM_MEMORY_LIMIT: Final = "system.memory.limit"
METRIC_SYSTEM_PAGING_USAGE: Final = "system.paging.usage"
METRIC_SYSTEM_PAGING_UTILIZATION: Final = "system.paging.utilization"
METRIC_SYSTEM_FILESYSTEM_USAGE: Final = "system.filesystem.usage"
METRIC_SYSTEM_FILESYSTEM_UTILIZATION: Final = "system.filesystem.utilization"
METRIC_SYSTEM_DISK_IO: Final = "system.disk.io"
METRIC_SYSTEM_DISK_OPERATIONS: Final = "system.disk.operations"
METRIC_SYSTEM_NETWORK_IO: Final = "system.network.io"
METRIC_SYSTEM_NETWORK_PACKET_COUNT: Final = "system.network.packet.count"
METRIC_SYSTEM_NETWORK_PACKET_DROPPED: Final = "system.network.packet.dropped"
METRIC_SYSTEM_NETWORK_ERRORS: Final = "system.network.errors"
METRIC_SYSTEM_NETWORK_CONNECTION_COUNT: Final = "system.network.connection.count"
METRIC_SYSTEM_PROCESS_COUNT: Final = "system.process.count"
METRIC_SYSTEM_UPTIME: Final = "system.uptime"

METRIC_PROCESS_CPU_TIME: Final = "process.cpu.time"
METRIC_PROCESS_CPU_UTILIZATION: Final = "process.cpu.utilization"
METRIC_PROCESS_MEMORY_USAGE: Final = "process.memory.usage"
METRIC_PROCESS_MEMORY_VIRTUAL: Final = "process.memory.virtual"
METRIC_PROCESS_THREAD_COUNT: Final = "process.thread.count"
METRIC_PROCESS_UNIX_FILE_DESCRIPTOR_COUNT: Final = "process.unix.file_descriptor.count"
METRIC_PROCESS_UPTIME: Final = "process.uptime"
METRIC_CPYTHON_GC_COLLECTIONS: Final = "cpython.gc.collections"
METRIC_CPYTHON_GC_COLLECTED_OBJECTS: Final = "cpython.gc.collected_objects"
METRIC_CPYTHON_GC_UNCOLLECTABLE_OBJECTS: Final = "cpython.gc.uncollectable_objects"

# --- PostgreSQL (Collector contrib postgresqlreceiver) ---------------------------------
ATTR_DB_NAMESPACE: Final = "db.namespace"
ATTR_DB_COLLECTION_NAME: Final = "db.collection.name"
ATTR_PG_INDEX_NAME: Final = "postgresql.index.name"
ATTR_PG_STATE: Final = "postgresql.state"
ATTR_PG_ROW_STATE: Final = "state"
ATTR_PG_OPERATION: Final = "operation"
ATTR_PG_TUPLE_OPERATION: Final = "operation"
ATTR_PG_BLOCK_SOURCE: Final = "source"
ATTR_PG_REPLICATION_CLIENT: Final = "replication_client"
ATTR_PG_QUERYID: Final = "postgresql.queryid"
ATTR_PG_QUERY_TEXT: Final = "db.query.text"

METRIC_PG_BACKENDS: Final = "postgresql.backends"
METRIC_PG_CONNECTION_MAX: Final = "postgresql.connection.max"
METRIC_PG_COMMITS: Final = "postgresql.commits"
METRIC_PG_ROLLBACKS: Final = "postgresql.rollbacks"
METRIC_PG_BLKS_HIT: Final = "postgresql.blks_hit"
METRIC_PG_BLKS_READ: Final = "postgresql.blks_read"
METRIC_PG_TUP_RETURNED: Final = "postgresql.tup_returned"
METRIC_PG_TUP_FETCHED: Final = "postgresql.tup_fetched"
METRIC_PG_TUP_INSERTED: Final = "postgresql.tup_inserted"
METRIC_PG_TUP_UPDATED: Final = "postgresql.tup_updated"
METRIC_PG_TUP_DELETED: Final = "postgresql.tup_deleted"
METRIC_PG_DEADLOCKS: Final = "postgresql.deadlocks"
METRIC_PG_TEMP_FILES: Final = "postgresql.temp_files"
METRIC_PG_TEMP_IO: Final = "postgresql.temp.io"
METRIC_PG_DB_SIZE: Final = "postgresql.db_size"
METRIC_PG_DATABASE_COUNT: Final = "postgresql.database.count"
METRIC_PG_TABLE_COUNT: Final = "postgresql.table.count"
METRIC_PG_TABLE_SIZE: Final = "postgresql.table.size"
METRIC_PG_TABLE_VACUUM_COUNT: Final = "postgresql.table.vacuum.count"
METRIC_PG_ROWS: Final = "postgresql.rows"
METRIC_PG_OPERATIONS: Final = "postgresql.operations"
METRIC_PG_BLOCKS_READ: Final = "postgresql.blocks_read"
METRIC_PG_INDEX_SCANS: Final = "postgresql.index.scans"
METRIC_PG_INDEX_SIZE: Final = "postgresql.index.size"
METRIC_PG_REPLICATION_DATA_DELAY: Final = "postgresql.replication.data_delay"
METRIC_PG_WAL_LAG: Final = "postgresql.wal.lag"
METRIC_PG_WAL_DELAY: Final = "postgresql.wal.delay"
METRIC_PG_QUERY_EXECUTION_TIME: Final = "postgresql.query.execution.time"
# No receiver metric for single statements (it reports them as log events): ours.
METRIC_PG_STATEMENT_CALLS: Final = "postgresql.statement.calls"
METRIC_PG_STATEMENT_EXECUTION_TIME: Final = "postgresql.statement.execution.time"
