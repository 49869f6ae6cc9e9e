"""A ClickHouse server stand-in for tests: chDB behind ClickHouse's HTTP interface.

What it is: no ClickHouse server can be installed on these machines (Debian ships
18.16), so the tests that need one run against this: a separate process with its own
data directory, running the same engine a server runs (chDB embeds ClickHouse 26.9)
behind the HTTP interface as clickhouse-connect uses it:

* ``GET /ping`` and ``GET /`` answer ``Ok.``;
* the statement in the ``query`` URL parameter, the body, or both (the parameter, a
  newline, then the body), or in a ``multipart/form-data`` body with its ``param_*``
  fields; ``INSERT ... FORMAT X`` followed by its data, also ``input()``;
* ``param_<name>`` values bound server-side; every other URL parameter is a setting for
  that request (``readonly`` last), except the transport ones (``database``,
  ``session_id``, ``session_timeout``, ``session_check``, ``query_id``,
  ``default_format``, ``client_protocol_version``, ...);
* sessions: ``session_id`` keeps a connection with its temporary tables and ``SET``
  values until it has been idle for ``session_timeout``; a concurrent request in the
  same session is refused (SESSION_IS_LOCKED), as a server does;
* the output format the statement names (``FORMAT Native``, ``Arrow``, ``JSON``, ...) or
  ``default_format``; with ``client_protocol_version`` the Native blocks carry block info;
* compression: request bodies by ``Content-Encoding`` (gzip, deflate, zstd, lz4 frames);
  answers, when ``enable_http_compression=1``, in the first of gzip, deflate, zstd, lz4
  that ``Accept-Encoding`` lists;
* the headers the client reads: ``X-ClickHouse-Summary``, ``-Format``, ``-Timezone``,
  ``-Query-Id``;
* one user and password (basic auth, ``X-ClickHouse-User``/``-Key`` or URL parameters);
  anything else is AUTHENTICATION_FAILED;
* errors in the server's form: ``Code: N. DB::Exception: ... (NAME) (version V)`` with
  the ``X-ClickHouse-Exception-Code`` header and the HTTP status the server gives that
  code (ClickHouse's ``exceptionCodeToHTTPStatus``: 403 for authentication, 400 for a bad
  query, 404 for an unknown table, 500 otherwise);
* TLS when given a certificate.

What it is not: no cluster, no replication, no ``ON CLUSTER``, no Keeper; none of a real
server's concurrency limits, queues, memory accounting or quotas; no native protocol (TCP
9000); results are sent whole, never streamed with progress headers; ``decompress=1``
(ClickHouse's own block compression) and external data tables are refused. Tests that
pass here and need those properties also run against a real server when
``SLOSCOPE_TEST_CLICKHOUSE_URL`` is set.

Run: ``python -m tests.support.clickhouse_http --data-dir DIR --port 0 --port-file F``;
the user and password come from ``CLICKHOUSE_STANDIN_USER`` and
``CLICKHOUSE_STANDIN_PASSWORD``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import email.parser
import email.policy
import gzip
import hmac
import json
import os
import socket
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import lz4.frame
import uvicorn
from backports import zstd
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.support.clickhouse_engine import (
    DEFAULT_SESSION_TIMEOUT_S,
    Answer,
    Engine,
    EngineError,
    Request,
)

USER_ENV = "CLICKHOUSE_STANDIN_USER"
PASSWORD_ENV = "CLICKHOUSE_STANDIN_PASSWORD"
# URL parameters the HTTP handler reads itself; the rest are settings.
TRANSPORT_PARAMETERS = frozenset(
    {
        "query", "database", "default_format", "session_id", "session_timeout",
        "session_check", "query_id", "user", "password", "quota_key", "compress",
        "decompress", "enable_http_compression", "http_zlib_compression_level",
        "wait_end_of_query", "client_protocol_version", "buffer_size",
        "send_progress_in_http_headers", "http_headers_progress_interval_ms", "role",
        "cancel_http_readonly_queries_on_client_close",
    }
)  # fmt: skip
# ClickHouse's exceptionCodeToHTTPStatus, by error name; every other code is a 500.
_STATUS_BY_NAME = {
    "REQUIRED_PASSWORD": 401,
    **dict.fromkeys(
        ("UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "SET_NON_GRANTED_ROLE"),
        403,
    ),
    "ACCESS_DENIED": 403,
    **dict.fromkeys(
        (
            "BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT",
            "CANNOT_PARSE_ESCAPE_SEQUENCE", "CANNOT_PARSE_QUOTED_STRING", "CANNOT_PARSE_DATE",
            "CANNOT_PARSE_DATETIME", "CANNOT_PARSE_NUMBER",
            "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING", "CANNOT_PARSE_IPV4", "CANNOT_PARSE_IPV6",
            "CANNOT_PARSE_INPUT_ASSERTION_FAILED", "CANNOT_PARSE_UUID", "DUPLICATE_COLUMN",
            "ILLEGAL_COLUMN", "UNKNOWN_ELEMENT_IN_AST", "UNKNOWN_TYPE_OF_AST_NODE",
            "THERE_IS_NO_COLUMN", "TOO_DEEP_AST", "TOO_BIG_AST", "UNEXPECTED_AST_STRUCTURE",
            "SYNTAX_ERROR", "INCORRECT_DATA", "TYPE_MISMATCH",
            "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
        ),
        400,
    ),
    **dict.fromkeys(
        (
            "UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER", "UNKNOWN_TYPE",
            "UNKNOWN_STORAGE", "UNKNOWN_DATABASE", "UNKNOWN_SETTING",
            "UNKNOWN_DIRECTION_OF_SORTING", "UNKNOWN_AGGREGATE_FUNCTION", "UNKNOWN_FORMAT",
            "UNKNOWN_DATABASE_ENGINE", "UNKNOWN_TYPE_OF_QUERY", "UNKNOWN_ROLE",
        ),
        404,
    ),
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    "SOCKET_TIMEOUT": 503,
    "CANNOT_OPEN_FILE": 503,
    "CANNOT_SCHEDULE_TASK": 503,
    "HTTP_LENGTH_REQUIRED": 411,
    "TIMEOUT_EXCEEDED": 408,
    "UNSUPPORTED_MEDIA_TYPE": 415,
}  # fmt: skip
_RESPONSE_ENCODINGS = ("gzip", "deflate", "zstd", "lz4")
_BINARY_FORMATS = ("Native", "RowBinary", "Arrow", "Parquet", "ORC", "Avro", "Protobuf")


@dataclass(frozen=True, slots=True)
class Credentials:
    user: str
    password: str


def create_app(engine: Engine, credentials: Credentials) -> Starlette:
    """The HTTP interface over ``engine``, for ``credentials`` only."""
    statuses = {
        engine.error_codes[name]: status
        for name, status in _STATUS_BY_NAME.items()
        if name in engine.error_codes
    }

    def error_response(exc: EngineError) -> Response:
        body = f"{exc.message} (version {engine.version})\n"
        return PlainTextResponse(
            body,
            status_code=statuses.get(exc.code, 500),
            headers={"X-ClickHouse-Exception-Code": str(exc.code)},
        )

    async def ping(request: HttpRequest) -> Response:
        return PlainTextResponse("Ok.\n")

    async def root(request: HttpRequest) -> Response:
        if request.method == "GET" and not request.query_params:
            return PlainTextResponse("Ok.\n")
        try:
            _authenticate(engine, request, credentials)
            read = await _read_request(engine, request)
            answer = await run_in_threadpool(engine.execute, read)
        except EngineError as exc:
            return error_response(exc)
        return _answer_response(answer, request)

    routes = [
        Route("/ping", ping, methods=["GET", "HEAD"]),
        Route("/", root, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes)


def _authenticate(engine: Engine, request: HttpRequest, credentials: Credentials) -> None:
    user = request.headers.get("x-clickhouse-user") or request.query_params.get("user")
    password = request.headers.get("x-clickhouse-key") or request.query_params.get("password")
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        decoded = base64.b64decode(authorization[6:]).decode()
        user, _, password = decoded.partition(":")
    user = user or "default"
    password = password or ""
    same_user = hmac.compare_digest(user.encode(), credentials.user.encode())
    same_password = hmac.compare_digest(password.encode(), credentials.password.encode())
    if not (same_user and same_password):
        raise engine.error(
            "AUTHENTICATION_FAILED",
            f"{user}: Authentication failed: password is incorrect, "
            "or there is no user with such name",
        )


async def _read_request(engine: Engine, request: HttpRequest) -> Request:
    url = dict(request.query_params)
    if url.get("decompress") in ("1", "true"):
        raise engine.error(
            "NOT_IMPLEMENTED", "the stand-in does not read ClickHouse's block compression"
        )
    body = _decompressed(engine, await request.body(), request.headers.get("content-encoding"))
    form: dict[str, str] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = _form_fields(engine, content_type, body)
        text = form.pop("query", "").encode()
    else:
        query = url.get("query", "")
        text = (query + "\n").encode() + body if query else body
    parameters = {
        name[len("param_") :]: value
        for name, value in (*url.items(), *form.items())
        if name.startswith("param_")
    }
    settings = {
        name: value
        for name, value in url.items()
        if name not in TRANSPORT_PARAMETERS and not name.startswith("param_")
    }
    if request.method == "GET":
        settings.setdefault("readonly", "2")  # a server answers GET read-only
    return Request(
        text=text,
        parameters=parameters,
        settings=settings,
        database=url.get("database") or None,
        default_format=url.get("default_format") or "TabSeparated",
        session_id=url.get("session_id") or None,
        session_timeout_s=float(url.get("session_timeout") or DEFAULT_SESSION_TIMEOUT_S),
        session_check=url.get("session_check") in ("1", "true"),
        protocol_version=int(url.get("client_protocol_version") or 0),
        query_id=url.get("query_id", ""),
    )


def _decompressed(engine: Engine, body: bytes, encoding: str | None) -> bytes:
    if not encoding or encoding == "identity" or not body:
        return body
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
        if encoding == "zstd":
            return zstd.decompress(body)
        if encoding == "lz4":
            return bytes(lz4.frame.decompress(body))
    except (OSError, zlib.error, RuntimeError, zstd.ZstdError) as exc:
        raise engine.error(
            "CANNOT_DECOMPRESS", f"cannot decompress the {encoding} body: {exc}"
        ) from None
    raise engine.error(
        "UNKNOWN_COMPRESSION_METHOD", f"Unknown HTTP compression method {encoding!r}"
    )


def _form_fields(engine: Engine, content_type: str, body: bytes) -> dict[str, str]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or not isinstance(name, str):
            raise engine.error("NOT_IMPLEMENTED", "the stand-in takes no external data tables")
        payload = part.get_payload(decode=True)
        fields[name] = payload.decode() if isinstance(payload, bytes) else ""
    return fields


def _answer_response(answer: Answer, request: HttpRequest) -> Response:
    headers = {
        "X-ClickHouse-Query-Id": answer.query_id,
        "X-ClickHouse-Timezone": answer.timezone,
        "X-ClickHouse-Summary": json.dumps(answer.summary, separators=(",", ":")),
        "X-ClickHouse-Server-Display-Name": "sloscope-clickhouse-standin",
    }
    if answer.output_format is not None:
        headers["X-ClickHouse-Format"] = answer.output_format
    body = answer.body
    if request.query_params.get("enable_http_compression") in ("1", "true"):
        accepted = {
            part.split(";")[0].strip()
            for part in request.headers.get("accept-encoding", "").split(",")
        }
        for encoding in _RESPONSE_ENCODINGS:
            if encoding in accepted:
                body = _compressed(body, encoding)
                headers["Content-Encoding"] = encoding
                break
    return Response(body, headers=headers, media_type=_media_type(answer.output_format))


def _compressed(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "zstd":
        return zstd.compress(body)
    return bytes(lz4.frame.compress(body))


def _media_type(output_format: str | None) -> str:
    if output_format is None:
        return "text/plain; charset=UTF-8"
    if output_format.startswith(_BINARY_FORMATS):
        return "application/octet-stream"
    if output_format.startswith("JSON"):
        return "application/json; charset=UTF-8"
    if output_format.startswith(("TabSeparated", "TSV")):
        return "text/tab-separated-values; charset=UTF-8"
    return "text/plain; charset=UTF-8"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="ClickHouse HTTP stand-in over chDB (tests)")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path, help="written with the port once listening")
    parser.add_argument("--tls-cert", type=Path)
    parser.add_argument("--tls-key", type=Path)
    args = parser.parse_args(argv)
    credentials = Credentials(os.environ.get(USER_ENV, "default"), os.environ.get(PASSWORD_ENV, ""))
    with tempfile.TemporaryDirectory(prefix="clickhouse-standin-") as spool:
        engine = Engine(args.data_dir, Path(spool))
        try:
            asyncio.run(_serve(create_app(engine, credentials), args))
        finally:
            engine.close()


async def _serve(app: Starlette, args: argparse.Namespace) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    config = uvicorn.Config(
        app,
        log_level="warning",
        http="h11",
        lifespan="off",
        # A server takes URLs up to 1 MiB (http_max_uri_size): settings and
        # parameters travel in the URL.
        h11_max_incomplete_event_size=1 << 20,
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if task.done():
            task.result()
            return
        await asyncio.sleep(0.01)
    if args.port_file is not None:
        temporary = args.port_file.with_suffix(".tmp")
        temporary.write_text(str(listener.getsockname()[1]))
        temporary.replace(args.port_file)
    await task


if __name__ == "__main__":
    main()
