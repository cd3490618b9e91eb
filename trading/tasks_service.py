"""Celery tasks of the service part of the engine (imported by trading/tasks.py, so Celery finds them)."""

from __future__ import annotations
