"""How values look on Kotak's wire: money as strings with two (quotes: four) decimals, times in
IST in Kotak's formats, and JSON whose numbers may be Decimals (holdings send JSON numbers:
written from the Decimal's digits, never through a float)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from brokers.nse_calendar import IST
from brokers.simulator.messages import Response

_MARK = "\u0001dec:"
_MARKED = re.compile(r'"\\u0001dec:(-?[0-9.E+]+)"')  # the marker as json.dumps escapes it


class JSONNumber(Decimal):
    """A Decimal to be written as a bare JSON number."""


def number(value: Decimal | int) -> JSONNumber:
    return JSONNumber(value)


def _encode(value: Any) -> Any:
    if isinstance(value, JSONNumber):
        return _MARK + str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def dumps(payload: Any) -> bytes:
    text = json.dumps(_encode(payload), separators=(",", ":"), ensure_ascii=True)
    return _MARKED.sub(r"\1", text).encode()


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, dumps(payload), headers=dict(headers or {}))


def money(value: Decimal, places: int = 2) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places)))


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def ist(ms: int) -> datetime:
    return utc(ms).astimezone(IST)


def ist_datetime(ms: int) -> str:
    """05-Dec-2025 10:15:02, the order book's ordDtTm."""
    return ist(ms).strftime("%d-%b-%Y %H:%M:%S")


def ist_date(ms: int) -> str:
    return ist(ms).strftime("%d-%b-%Y")


def ist_time(ms: int) -> str:
    return ist(ms).strftime("%H:%M:%S")


def ist_slashed(ms: int) -> str:
    """2025/12/05 10:15:02, the hsUpTm field."""
    return ist(ms).strftime("%Y/%m/%d %H:%M:%S")


def iso_utc(ms: int) -> str:
    return utc(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def not_ok(st_code: int, message: str, status: int = 200) -> Response:
    """Kotak's business refusal: the docs name the text emsg, the v2 gateway errMsg; both sent."""
    return json_response({"stat": "Not_Ok", "stCode": st_code, "emsg": message, "errMsg": message}, status)


def gateway_refusal() -> Response:
    """The API gateway's answer to a missing, forged, expired or revoked token or consumer key."""
    return json_response(
        {
            "code": "900901",
            "message": "Invalid Credentials",
            "description": "Invalid JWT token. Make sure you have provided the correct security credentials",
        },
        401,
    )
