"""The alerting package's SQL files (``alerting/sql/``), read as the engine reads its own."""

from __future__ import annotations

from typing import Final

from slo_engine import SqlFiles

SQL: Final = SqlFiles("alerting")
sql = SQL.sql
