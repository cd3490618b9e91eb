"""One Kotak Neo account's connection: the session (from the shared store, or a fresh login),
authenticated calls that log in again once when the session is refused, and public calls made
with the consumer key alone."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from brokers.errors import AuthenticationFailed, BrokerError

from .answers import SessionExpired
from .credentials import KotakCredentials
from .login import KotakSession, login
from .session_store import SessionStore
from .transport import KotakTransport

# Kotak sessions last the trading day; a stale one is refused and renewed, so the store only
# needs to outlive a day's work.
SESSION_TTL = 12 * 3600
PUBLIC_ONLY = "This Kotak Neo connection has no account: it serves market data only"
REFUSED_TWICE = (
    "Kotak Neo refused the session again right after a fresh login; check the account's "
    "credentials or try again later"
)


class KotakClient:
    def __init__(
        self,
        *,
        transport: KotakTransport,
        credentials: KotakCredentials | None,
        consumer_key: str,
        login_base_url: str,
        session_store: SessionStore,
        session_key: str,
        neo_fin_key: str,
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        self.consumer_key = consumer_key
        self.login_base_url = login_base_url.rstrip("/")
        self.store = session_store
        self.session_key = session_key
        self.neo_fin_key = neo_fin_key
        self._session: KotakSession | None = None

    @property
    def exchange_id(self) -> str:
        return self.transport.exchange_id

    # --- the session --------------------------------------------------------------------------
    def session(self) -> KotakSession:
        if self.credentials is None:
            raise AuthenticationFailed(PUBLIC_ONLY, exchange=self.exchange_id)
        if self._session is None:
            stored = self.store.get(self.session_key)
            self._session = KotakSession.from_dict(stored) if stored else None
        if self._session is None:
            self._session = self.login()
        return self._session

    def login(self) -> KotakSession:
        if self.credentials is None:
            raise AuthenticationFailed(PUBLIC_ONLY, exchange=self.exchange_id)
        session = login(
            self.transport,
            credentials=self.credentials,
            login_base_url=self.login_base_url,
            neo_fin_key=self.neo_fin_key,
        )
        self.store.set(self.session_key, session.as_dict(), SESSION_TTL)
        self._session = session
        return session

    def _renew(self, refused: KotakSession) -> None:
        """After a refusal: another worker may have logged in already; use its session, or log
        in ourselves."""
        stored = self.store.get(self.session_key)
        current = KotakSession.from_dict(stored) if stored else None
        if current is not None and current.token != refused.token:
            self._session = current
            return
        self.store.delete(self.session_key)
        self._session = None
        self.login()

    # --- calls --------------------------------------------------------------------------------
    def private(self, method: str, path: str, *, jdata: dict[str, Any] | None = None) -> dict[str, Any]:
        """An account call under the trading base URL. A refused session is renewed once and the
        call repeated (safe for orders too: the gateway refuses before the broker sees them)."""
        for round_ in (1, 2):
            session = self.session()
            headers = {"Sid": session.sid, "Auth": session.token, "neo-fin-key": self.neo_fin_key}
            headers["accept"] = "application/json"
            try:
                return self.transport.call(
                    method,
                    f"{session.base_url.rstrip('/')}/{path}",
                    headers=headers,
                    params={"sId": session.server_id},
                    jdata=jdata,
                )
            except SessionExpired:
                if round_ == 2:
                    self.store.delete(self.session_key)
                    self._session = None
                    raise AuthenticationFailed(REFUSED_TWICE, exchange=self.exchange_id) from None
                self._renew(session)
        raise AssertionError("unreachable")  # pragma: no cover

    def public_base(self) -> str:
        """Quotes and the scrip master: under the account's trading base URL once logged in (as
        Kotak's SDK does), under the login root for market data without an account."""
        if self.credentials is None:
            return self.login_base_url
        return self.session().base_url.rstrip("/")

    def public(self, path: str) -> dict[str, Any]:
        return self.transport.call("GET", f"{self.public_base()}/{path}", headers=self._public_headers())

    def public_text(self, url: str) -> str:
        """A document Kotak points at (the scrip master CSV, on a file host): fetched without
        any header of ours."""
        return self.transport.text(url, headers={})

    def public_url(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        headers = self._public_headers() if self._same_host(url) else {}
        return self.transport.call("GET", url, headers=headers, params=params)

    def _public_headers(self) -> dict[str, str]:
        return {"Authorization": self.consumer_key, "accept": "application/json"}

    def _same_host(self, url: str) -> bool:
        host = urlparse(url).netloc
        known = {urlparse(self.login_base_url).netloc}
        if self._session is not None:
            known.add(urlparse(self._session.base_url).netloc)
        return host in known


def scrub(error: BrokerError, secrets: tuple[str, ...]) -> BrokerError:
    """Belt and braces: should Kotak ever quote one of our secrets back, it does not travel on."""
    message = error.message
    for secret in secrets:
        if secret and secret in message:
            message = message.replace(secret, "***")
    if message != error.message:
        error.message = message
        error.args = (message,)
    return error
