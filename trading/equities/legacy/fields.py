"""Reading one record's fields, pure: each reader returns the clean value or None and, when the
value is wrong, adds a problem naming the file, the record's line and the field.

Money and prices are Decimal (from a JSON number, or a string of one); quantities whole numbers;
times ISO 8601, where a time without an offset is India time (the old service ran in
Asia/Kolkata), returned in UTC."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

INDIA = ZoneInfo("Asia/Kolkata")
SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&_.-]{0,29}$")
# Large enough for any Indian price or amount, small enough for every column it lands in.
MAX_AMOUNT = Decimal("1e12")
MAX_QUANTITY = 10**9
MAX_TEXT = 500


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    # A blocking problem stops the apply (the file is wrong); the others say what is skipped.
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "blocking": self.blocking,
        }


@dataclass
class Reader:
    """The fields of one record (a JSON object) of `file` starting on `line`."""

    file: str
    line: int
    raw: Mapping[str, Any]
    problems: list[Problem] = field(default_factory=list)
    prefix: str = ""  # "reentries[2]." for a nested record

    def problem(self, name: str, message: str, *, blocking: bool = True) -> None:
        self.problems.append(Problem(self.file, self.line, f"{self.prefix}{name}", message, blocking))

    @property
    def ok(self) -> bool:
        return not any(p.blocking for p in self.problems)

    def _get(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(name, "Required.")
            return None
        return value

    def text(self, name: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
        value = self._get(name, required)
        if value is None:
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.problem(name, "Must be text.")
            return ""
        text = str(value).strip()
        if len(text) > max_length:
            self.problem(name, f"At most {max_length} characters.")
            return text[:max_length]
        return text

    def symbol(self, name: str = "symbol", *, required: bool = True) -> str:
        value = self._get(name, required)
        if value is None:
            return ""
        symbol = str(value).strip().upper().removesuffix("-EQ").removesuffix(".NS")
        if not isinstance(value, str) or not SYMBOL.match(symbol):
            self.problem(name, f"Not an NSE symbol: {str(value)[:40]!r}.")
            return ""
        return symbol

    def decimal(
        self, name: str, *, required: bool = False, positive: bool = False, minimum: Decimal | None = None
    ) -> Decimal | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            self.problem(name, "Must be a number.")
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.problem(name, f"Not a number: {str(value)[:40]!r}.")
            return None
        if not number.is_finite() or abs(number) >= MAX_AMOUNT:
            self.problem(name, f"Out of range: {str(value)[:40]}.")
            return None
        if positive and number <= 0:
            self.problem(name, "Must be above 0.")
            return None
        if minimum is not None and number < minimum:
            self.problem(name, f"Must be at least {minimum}.")
            return None
        return number

    def integer(self, name: str, *, required: bool = False, minimum: int = 0) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        number = self.decimal(name)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.problem(name, "Must be a whole number of shares.")
            return None
        whole = int(number)
        if whole < minimum or whole >= MAX_QUANTITY:
            self.problem(name, f"Must be from {minimum} to {MAX_QUANTITY - 1}.")
            return None
        return whole

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self._get(name, required)
        if value is None:
            return None
        moment = parse_moment(value)
        if moment is None:
            self.problem(name, f"Not an ISO 8601 time: {str(value)[:40]!r} (e.g. 2025-03-03T09:15:00).")
        return moment

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
        self.problem(name, f"Not a date: {str(value)[:40]!r} (e.g. 2025-03-03).")
        return None

    def choice(
        self, name: str, choices: Mapping[str, str], *, required: bool = False, default: str = ""
    ) -> str:
        """One of `choices` (keys are the accepted words, upper case, spaces as _); its value."""
        value = self._get(name, required)
        if value is None:
            return default
        word = re.sub(r"[\s-]+", "_", str(value).strip().upper())
        if word not in choices:
            accepted = ", ".join(sorted(choices))
            self.problem(name, f"Unknown value {str(value)[:40]!r}; one of {accepted}.")
            return default
        return choices[word]

    def items(self, name: str) -> list[Any]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(name, "Must be a list.")
            return []
        return value


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 time in UTC; a time without an offset is India time."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=INDIA)
    return moment.astimezone(UTC)


def india_day(moment: datetime) -> date:
    return moment.astimezone(INDIA).date()


def jsonable(value: Any) -> Any:
    """A record's value as JSON (Decimal as its exact string, times in ISO 8601 with offset)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [jsonable(item) for item in value]
    return value
