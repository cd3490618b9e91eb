"""Django admin for the service part of the engine."""

from __future__ import annotations
