"""SQLAlchemy's aiosqlite adapter with one trip to the driver thread per statement.

aiosqlite runs each SQLite connection on a thread of its own and hands it one call at a time; every
call is a trip there and back (a queue put, a thread switch, a wake-up of the event loop). SQLAlchemy's
adapter makes four per statement (open a cursor, execute, fetch all, close) and one for every commit
and rollback, even when SQLite has no transaction open, as after reads only. On a request that reads
three rows that was 14 trips, more time than SQLite spends answering.

Here a statement is one trip: the driver thread opens a cursor, executes, fetches every row and
closes, and the adapter keeps what the cursor said (description, row count, last row id). Commit and
rollback skip the trip when SQLite has no transaction open, which is exactly when `sqlite3` itself
would do nothing. Server-side (streaming) cursors keep SQLAlchemy's own class. Errors are the
driver's, mapped by SQLAlchemy as before.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Description = tuple[tuple[Any, ...], ...] | None
_T = TypeVar("_T")
_Outcome = tuple[_Description, list[Any], int, int | None]  # description, rows, row count, last row id


def _statement(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """On the driver thread: one statement, start to finish."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _statements(connection: sqlite3.Connection, operation: str, parameters: Any) -> int:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.rowcount
    finally:
        cursor.close()


async def _trip(connection: aiosqlite.Connection, call: Callable[..., _T], *args: Any) -> _T:
    """`call(sqlite3_connection, *args)` on the connection's driver thread."""
    result: _T = await connection._execute(call, connection._conn, *args)  # type: ignore[no-untyped-call]
    return result


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements each make a single trip to the driver thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:  # no trip: no driver cursor yet
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._rows = collections.deque()
        self._description: _Description = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> _Description:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None until an insert, as in sqlite3

    async def _async_soft_close(self) -> None:
        """Nothing to close: the driver cursor closed with its statement."""

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            self._description, rows, self._rowcount, self._lastrowid = await _trip(
                connection, _statement, operation, parameters)
            self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            self._description, self._lastrowid = None, None
            self._rowcount = await _trip(connection, _statements, operation, seq_of_parameters)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor

    def _idle(self) -> bool:
        """True when SQLite has no transaction open (then `commit()` and `rollback()` do nothing)."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        driver = connection._connection  # None once closed: let the adapter report that as it does
        try:
            return driver is not None and not driver.in_transaction
        except sqlite3.ProgrammingError:  # opened with check_same_thread=True: ask on the driver thread
            return False

    def rollback(self) -> None:
        if not self._idle():
            super().rollback()

    def commit(self) -> None:
        if not self._idle():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Pass as `module=` to `create_async_engine` for a `sqlite+aiosqlite` URL."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)
