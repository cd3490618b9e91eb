"""Kotak Neo (NSE cash equities) over its trade API, plain HTTP."""

from .adapter import KotakNeoAdapter
from .credentials import KotakCredentials
from .session_store import MemorySessionStore, SessionStore

__all__ = ["KotakCredentials", "KotakNeoAdapter", "MemorySessionStore", "SessionStore"]
