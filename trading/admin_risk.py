"""Django admin for the risk part of the engine."""

from __future__ import annotations
