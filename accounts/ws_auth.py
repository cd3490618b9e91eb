"""WebSocket authentication: an access token in the query string, and a browser Origin check.

Browsers cannot set headers on a WebSocket, so the SPA connects to `ws/events/?token=<access>`.
The token is checked exactly as the HTTP API checks it (signature, expiry, live session, active
user: `accounts.authentication.user_for_access_token`). The query string never reaches the logs:
the log filter (config/logging.py) redacts `token=` wherever it appears.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult, parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.tokens import AccessToken

from .authentication import user_for_access_token
from .models import User
from .sessions import SESSION_CLAIM

# A JWT of ours is a few hundred characters; anything much longer is not worth parsing.
MAX_TOKEN_LENGTH = 4096


def token_from_query_string(query_string: bytes | str) -> str | None:
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    values = parse_qs(query_string).get("token") or []
    token = values[0].strip() if values else ""
    return token if 0 < len(token) <= MAX_TOKEN_LENGTH else None


def authenticate_access_token(raw: str) -> tuple[User | None, str | None]:
    """The user and session id of a raw access token, or (None, None) when it is not acceptable."""
    user = user_for_access_token(raw)
    if user is None:
        return None, None
    # Already verified by user_for_access_token; parsed again only to read the session claim.
    session_id = AccessToken(raw, verify=False).get(SESSION_CLAIM)
    return user, str(session_id) if session_id else None


aauthenticate_access_token = database_sync_to_async(authenticate_access_token)


class JWTQueryStringAuthMiddleware(BaseMiddleware):
    """Puts the token's user in `scope["user"]` (AnonymousUser when the token is missing or not
    acceptable), its session id in `scope["session_id"]` and the token itself in
    `scope["access_token"]`, so the consumer can check again later that the session is alive."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        token = token_from_query_string(scope.get("query_string", b""))
        user, session_id = await aauthenticate_access_token(token) if token else (None, None)
        scope["user"] = user if user is not None else AnonymousUser()
        scope["session_id"] = session_id
        scope["access_token"] = token if user is not None else None
        return await self.inner(scope, receive, send)


class BrowserOriginValidator(OriginValidator):
    """Refuses sockets opened by web pages of other sites; lets clients without an Origin in.

    Channels' AllowedHostsOriginValidator also refuses connections without an `Origin` header,
    which every non-browser client (scripts, bots, the smoke test) is. Browsers always send one, so
    a missing Origin never means a browser; and since authentication is a token the client must
    present itself (no cookie a browser would attach on its own), there is no cross-site hijacking
    to prevent for such clients. An `Origin` that is sent must be one of ours: a host in
    ALLOWED_HOSTS, or an origin in CORS_ALLOWED_ORIGINS / CSRF_TRUSTED_ORIGINS (a dev server of
    the SPA on another port). Settings are read on every connection, so overrides apply."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=[])

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)

    def validate_origin(self, parsed_origin: ParseResult | None) -> bool:
        allowed = [*settings.ALLOWED_HOSTS, *settings.CORS_ALLOWED_ORIGINS, *settings.CSRF_TRUSTED_ORIGINS]
        return any(pattern == "*" or self.match_allowed_origin(parsed_origin, pattern) for pattern in allowed)
