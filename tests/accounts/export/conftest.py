from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

import accounts.export.tasks  # noqa: F401  # registers the tasks, as accounts/tasks.py's import does
from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture
def eager_celery() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def export_now(
    eager_celery: None, django_capture_on_commit_callbacks: Any
) -> Callable[[APIClient, str], dict[str, Any]]:
    """Ask for an export as the web app does and let the worker (eager here) write it; returns
    the export as `GET me/exports/{id}` shows it afterwards."""

    def run(client: APIClient, format: str) -> dict[str, Any]:
        with django_capture_on_commit_callbacks(execute=True):
            started = client.get(f"/api/v1/me/export?format={format}")
        assert started.status_code == 202, started.content
        done = client.get(f"/api/v1/me/exports/{started.json()['id']}")
        assert done.status_code == 200
        return done.json()

    return run


@pytest.fixture
def download() -> Callable[[str], Any]:
    """Follow a download link as a browser would: no Authorization header."""

    def get(url: str) -> Any:
        return APIClient().get(url)

    return get
