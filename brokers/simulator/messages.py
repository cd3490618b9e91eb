"""The simulator's HTTP request and response, independent of the server that carries them (so
the endpoint code is testable without sockets)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import BinanceError


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str = ""  # raw, as sent: the signature covers these exact bytes
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    client_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, headers=dict(headers or {}))


def binance_error(error: BinanceError) -> Response:
    return json_response(error.payload(), error.status)


def text_response(status: int, text: str) -> Response:
    return Response(status, text.encode(), content_type="text/html")
