"""Structured JSON logs. They carry request ids and opaque account ids, never bodies or secrets."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from app.core.clock import rfc3339

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
account_id_var: ContextVar[str | None] = ContextVar("account_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": rfc3339(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "account_id"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        for key in ("method", "route", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


_base_factory = logging.getLogRecordFactory()


def _stamped_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    # Stamped when the record is made: by the time a handler formats it, the request may be over.
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    record.account_id = account_id_var.get()
    return record


def install_record_stamping() -> None:
    if logging.getLogRecordFactory() is not _stamped_record:
        logging.setLogRecordFactory(_stamped_record)


def configure_logging(level: str) -> None:
    install_record_stamping()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # uvicorn's access log prints full URLs (search terms, coordinates); ours logs route templates.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
