"""One JSON object per log line, for collectors on a fleet of web and worker machines."""

from __future__ import annotations

import json
import logging
import socket

HOST = socket.gethostname()
STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "host": HOST,
            "process": record.process,
        }
        extra = {k: v for k, v in vars(record).items() if k not in STANDARD and not k.startswith("_")}
        if extra:
            entry["extra"] = {k: str(v) for k, v in extra.items()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
