"""The app a job runs in: set by `inaam worker` (or the embedded worker) once per process.

Why: jobs take ids, not ORM objects, and need the app's settings and session factory; Flask's
celery example runs each task inside an app context in the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_app: Any = None
_lock = threading.Lock()


def set_app(app: Any) -> None:
    global _app
    with _lock:
        _app = app


def get_app() -> Any:
    """The app for jobs; built from the environment on first use in a plain RQ worker."""
    global _app
    with _lock:
        if _app is None:
            from bot.app import create_app

            _app = create_app({"EMBEDDED_WORKER": False})
        return _app


@contextmanager
def app_context() -> Iterator[Any]:
    app = get_app()
    with app.app_context():
        yield app
