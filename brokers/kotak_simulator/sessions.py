"""Login sessions: view tokens (after the TOTP step) and session tokens (after the MPIN step) are
JWTs signed with a key of this process, each tied to its sid, expiring on the simulator's clock
(not the wall clock, so tests can let them expire) and revocable through the control API."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import jwt

VIEW_TTL_MS = 10 * 60 * 1000
VIEW, TRADE = "View", "Trade"


@dataclass
class Session:
    sid: str
    kind: str  # View | Trade
    consumer_key: str
    ucc: str
    expires_ms: int
    revoked: bool = False


class SessionBook:
    def __init__(self, *, session_ttl_seconds: float) -> None:
        self._key = secrets.token_bytes(32)
        self.session_ttl_ms = int(session_ttl_seconds * 1000)
        self._sessions: dict[str, Session] = {}

    def issue(self, *, kind: str, consumer_key: str, ucc: str, now_ms: int) -> tuple[str, Session]:
        ttl = VIEW_TTL_MS if kind == VIEW else self.session_ttl_ms
        session = Session(str(uuid.uuid4()), kind, consumer_key, ucc, now_ms + ttl)
        self._sessions[session.sid] = session
        claims = {
            "sub": ucc,
            "sid": session.sid,
            "kType": kind,
            "iat": now_ms // 1000,
            "exp": session.expires_ms // 1000,
            "jti": secrets.token_hex(8),
            "iss": "tradefleet-kotak-simulator",
        }
        return jwt.encode(claims, self._key, algorithm="HS256"), session

    def check(self, token: str | None, *, kind: str, now_ms: int) -> Session | None:
        """The live session `token` belongs to, or None (answered 900901 by the gateway)."""
        if not token:
            return None
        try:
            # Expiry (and issue time) are checked against the simulator's clock, not the wall clock.
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
            )
        except jwt.InvalidTokenError:
            return None
        session = self._sessions.get(str(claims.get("sid", "")))
        if session is None or session.kind != kind or session.revoked or now_ms >= session.expires_ms:
            return None
        return session

    def expire(self, *, ucc: str | None = None) -> int:
        count = 0
        for session in self._sessions.values():
            if not session.revoked and (ucc is None or session.ucc == ucc.upper()):
                session.revoked = True
                count += 1
        return count

    def live_count(self, now_ms: int) -> int:
        return sum(1 for s in self._sessions.values() if not s.revoked and now_ms < s.expires_ms)
