"""How the ClickHouse stand-in (``clickhouse_http``) reads one HTTP request's statement.

A ClickHouse server reads the statement and, for ``INSERT ... FORMAT X``, the data that
follows it from one stream: the ``query`` URL parameter, a newline, then the request
body. The data starts after the format name, past blanks and at most one line break.
chDB takes a statement as text and cannot stream data into it, so the stand-in writes
the data to a file and rewrites the statement to read it:

* ``INSERT INTO t [(cols)] [SETTINGS ...] FORMAT X`` + data becomes
  ``INSERT INTO t [(cols)] FROM INFILE 'path' [SETTINGS ...] FORMAT X``;
* ``INSERT INTO t SELECT ... FROM input('structure') FORMAT X`` + data becomes
  ``INSERT INTO t SELECT ... FROM file('path', 'X', 'structure')``.

A small lexer finds the keywords outside string literals, quoted names, comments and
brackets; the data itself is never lexed. Several statements in one request are refused,
as a server refuses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_RESULT_KINDS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "EXISTS"})


class StatementError(ValueError):
    """A statement the stand-in cannot take; ``name`` is the ClickHouse error name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word, open, close, semicolon, other
    start: int
    end: int
    depth: int
    text: bytes

    def word(self) -> str:
        return self.text.decode().upper() if self.kind == "word" else ""


def tokens(text: bytes) -> Iterator[Token]:
    """Tokens outside literals, quoted names and comments, with their bracket depth."""
    position, depth, size = 0, 0, len(text)
    while position < size:
        char = text[position : position + 1]
        if char.isspace():
            position += 1
        elif text.startswith(b"--", position) or char == b"#":
            newline = text.find(b"\n", position)
            position = size if newline < 0 else newline + 1
        elif text.startswith(b"/*", position):
            close = text.find(b"*/", position + 2)
            position = size if close < 0 else close + 2
        elif char in (b"'", b'"', b"`"):
            position = _after_quoted(text, position)
        elif match := _WORD.match(text, position):
            yield Token("word", position, match.end(), depth, match.group())
            position = match.end()
        else:
            kind = {b"(": "open", b"[": "open", b")": "close", b"]": "close", b";": "semicolon"}
            found = kind.get(char, "other")
            if found == "close":
                depth -= 1
            yield Token(found, position, position + 1, depth, char)
            if found == "open":
                depth += 1
            position += 1


def _after_quoted(text: bytes, start: int) -> int:
    quote = text[start : start + 1]
    position = start + 1
    while position < len(text):
        char = text[position : position + 1]
        if char == b"\\":
            position += 2
        elif char == quote:
            if text[position + 1 : position + 2] == quote:
                position += 2
            else:
                return position + 1
        else:
            position += 1
    raise StatementError("SYNTAX_ERROR", "unterminated quoted string or name")


@dataclass(frozen=True, slots=True)
class Statement:
    """What the engine runs for a request: the SQL text (reading ``data`` from the data
    file when there is data), the kind (first keyword), and the output format named in
    the statement, if any."""

    sql: str
    kind: str
    output_format: str | None
    data: bytes | None

    @property
    def produces_result(self) -> bool:
        return self.kind in _RESULT_KINDS


def read_statement(text: bytes, data_path: str) -> Statement:
    """The statement of ``text``; an INSERT's data is to be written at ``data_path``."""
    stream = tokens(text)
    first = next(stream, None)
    if first is None:
        raise StatementError("SYNTAX_ERROR", "Empty query")
    kind = "SELECT" if first.kind == "open" else first.word()
    if kind == "INSERT":
        return _insert(text, first, stream, data_path)
    output_format = None
    previous: Token = first
    ended = False
    for token in stream:
        if ended:
            raise StatementError("SYNTAX_ERROR", "Multi-statements are not allowed")
        if token.kind == "semicolon" and token.depth == 0:
            ended = True
        elif token.kind == "word" and previous.word() == "FORMAT" and previous.depth == 0:
            output_format = token.text.decode()
        previous = token
    return Statement(_decoded(text), kind, output_format, None)


def _insert(text: bytes, first: Token, stream: Iterator[Token], data_path: str) -> Statement:
    settings_at: int | None = None
    inputs: list[Token] = []
    previous = first
    for token in stream:
        if token.kind == "semicolon" and token.depth == 0:
            break
        if token.kind == "open" and previous.word() == "INPUT":
            inputs.append(previous)
        elif token.kind == "word" and token.depth == 0:
            word = token.word()
            if word in ("SELECT", "WITH", "VALUES"):
                settings_at = settings_at if settings_at is not None else -1
            elif word == "SETTINGS" and settings_at is None:
                settings_at = token.start
            elif previous.word() == "FORMAT" and previous.depth == 0:
                data = text[_data_start(text, token.end) :]
                return _insert_with_data(
                    text,
                    format_keyword=previous,
                    format_name=token,
                    inputs=inputs,
                    settings_at=settings_at,
                    data=data,
                    data_path=data_path,
                )
        previous = token
    return Statement(_decoded(text), "INSERT", None, None)


def _insert_with_data(
    text: bytes,
    *,
    format_keyword: Token,
    format_name: Token,
    inputs: list[Token],
    settings_at: int | None,
    data: bytes,
    data_path: str,
) -> Statement:
    name = format_name.text.decode()
    path = _quoted(data_path)
    if inputs:
        sql = text[: format_keyword.start]
        replacement = f"file({path}, {_quoted(name)}, ".encode()
        # Replace from the last call so that earlier offsets stay valid.
        for token in reversed(inputs):
            after_paren = text.index(b"(", token.end) + 1
            sql = sql[: token.start] + replacement + sql[after_paren:]
        return Statement(_decoded(sql), "INSERT", None, data)
    at = settings_at if settings_at is not None and settings_at >= 0 else format_keyword.start
    head = _decoded(text[:at])
    tail = _decoded(text[at : format_name.end])
    return Statement(f"{head} FROM INFILE {path} {tail}", "INSERT", None, data)


def _data_start(text: bytes, position: int) -> int:
    """After the format name: blanks, then at most one line break (ClickHouse's rule)."""
    while position < len(text) and text[position : position + 1] in (b" ", b"\t", b"\f"):
        position += 1
    if text[position : position + 1] == b"\r":
        position += 1
    if text[position : position + 1] == b"\n":
        position += 1
    return position


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _decoded(text: bytes) -> str:
    try:
        return text.decode()
    except UnicodeDecodeError as exc:
        raise StatementError("SYNTAX_ERROR", "the statement is not UTF-8") from exc
