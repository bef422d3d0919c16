"""Logging: JSON lines on stderr, at the level the settings name."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from bot import Settings

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and whatever ``extra`` the call passed."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(settings: Settings) -> None:
    """JSON lines on stderr for the app's loggers (and uvicorn's, unless uvicorn configured its own), at the
    settings' level; idempotent."""
    chosen = settings.log_level.upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.set_name("beian-json")
    for name in ("beian_bot", "uvicorn.error"):
        logger = logging.getLogger(name)
        if any(h.get_name() == "beian-json" for h in logger.handlers):
            continue
        if name != "beian_bot" and logger.handlers:
            continue  # plain `uvicorn api.main:app` brought its own handlers
        logger.addHandler(handler)
        logger.setLevel(chosen if chosen in logging.getLevelNamesMapping() else "INFO")
        logger.propagate = False
