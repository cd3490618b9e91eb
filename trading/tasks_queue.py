"""Celery tasks of the queue part of the engine (imported by trading/tasks.py, so Celery finds them)."""

from __future__ import annotations
