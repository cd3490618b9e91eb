"""Django admin for the queue part of the engine."""

from __future__ import annotations
