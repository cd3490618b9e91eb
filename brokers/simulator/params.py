"""Binance request parameters: parsed from the query string and the form body together, with
Binance's errors for missing, duplicated and malformed values."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar
from urllib.parse import parse_qsl

from . import errors
from .errors import BinanceError
from .filters import check_precision
from .markets import parse_decimal

E = TypeVar("E", bound=StrEnum)
_DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
_INT_RANGE = r"^[0-9]{1,20}$"
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")


class Params:
    def __init__(self, query: str, body: str = "") -> None:
        self.values: dict[str, str] = {}
        for name, value in [
            *parse_qsl(query, keep_blank_values=True),
            *parse_qsl(body, keep_blank_values=True),
        ]:
            if name in self.values:
                raise BinanceError(-1101, "Duplicate values for a parameter detected.")
            self.values[name] = value

    def __contains__(self, name: str) -> bool:
        return bool(self.values.get(name))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name) or None
        if value is None and required:
            raise errors.mandatory(name)
        return value

    def integer(self, name: str, *, required: bool = False, maximum: int | None = None) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not value.isdigit() or len(value) > 20:
            raise errors.illegal(name, _INT_RANGE)
        number = int(value)
        if maximum is not None and number > maximum:
            raise BinanceError(-1130, f"Data sent for parameter '{name}' is not valid.")
        return number

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        number = parse_decimal(value)
        if number is None:
            raise errors.illegal(name, _DECIMAL_RANGE)
        check_precision(number, name)
        return number

    def choice(self, name: str, kind: type[E], error: BinanceError, *, required: bool = False) -> E | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return kind(value.upper())
        except ValueError:
            raise error from None

    def client_order_id(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not _CLIENT_ID.match(value):
            raise errors.illegal(name, _CLIENT_ID.pattern)
        return value

    def symbols(self) -> list[str] | None:
        """`symbol=BTCUSDT` or `symbols=["BTCUSDT","ETHUSDT"]`; None when neither is sent."""
        if "symbol" in self and "symbols" in self:
            raise BinanceError(-1128, "Combination of optional parameters invalid.")
        if "symbol" in self:
            return [self.values["symbol"].upper()]
        if "symbols" not in self:
            return None
        try:
            parsed = json.loads(self.values["symbols"])
        except ValueError:
            parsed = None
        if not isinstance(parsed, list) or not parsed or not all(isinstance(s, str) for s in parsed):
            raise errors.illegal("symbols", '^\\["[A-Z0-9]+"(,"[A-Z0-9]+")*\\]$')
        return [s.upper() for s in parsed]
