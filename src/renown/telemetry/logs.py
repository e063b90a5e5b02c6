"""Structured logs: one JSON object per line, tagged with the request id, free of personal data.

Exceptions are logged as their type and stack frames only. Messages of exceptions raised by
libraries (database drivers, parsers) can quote the values they were given, so they never reach
a log line.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

request_id_var: ContextVar[str | None] = ContextVar("renown_request_id", default=None)

# Extra attributes a log call may attach (`logger.info(..., extra={...})`) that reach the line.
FIELDS = ("method", "route", "status", "duration_ms", "operation", "operation_type", "job_id", "job_kind")
MAX_FRAMES = 20
QUIET_LOGGERS = ("httpx", "httpcore", "httpx2")


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, request id, known extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = exception_summary(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False, default=str)


def exception_summary(error: BaseException | None) -> dict[str, Any]:
    """An exception's type and where it was raised, without its message (which may quote data)."""
    if error is None:
        return {}
    frames = traceback.extract_tb(error.__traceback__)[-MAX_FRAMES:]
    summary: dict[str, Any] = {
        "type": f"{type(error).__module__}.{type(error).__qualname__}",
        "frames": [f"{frame.filename.rsplit('/site-packages/', 1)[-1]}:{frame.lineno} in {frame.name}"
                   for frame in frames],
    }
    cause = error.__cause__ or error.__context__
    if cause is not None and cause is not error:
        summary["cause"] = f"{type(cause).__module__}.{type(cause).__qualname__}"
    return summary


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the context that emitted it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def configure_logging(level: int | str = logging.INFO, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON lines; return the handler installed."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing.formatter, JsonFormatter):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own access log prints the raw path and query string; Renown writes its own.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # httpx logs every outbound URL at INFO; network API paths and queries can name accounts.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler
