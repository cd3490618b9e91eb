"""JSON with line numbers, pure: the records of a file with the line each one starts on, so that
every problem of an import names `file:line`.

The standard decoder (numbers with a fraction as Decimal, never float) reads each record; only
the one or two container levels above the records are scanned here, so a 20 MB file costs one
pass of the C decoder plus a bisect per record."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from decimal import Decimal
from typing import Any

WHITESPACE = " \t\n\r"


class JsonScanner:
    """Walks one JSON document. Raises json.JSONDecodeError (with the line) on bad JSON."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder(parse_float=Decimal)
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect_left(self.newlines, pos) + 1

    def skip(self, pos: int) -> int:
        text, end = self.text, len(self.text)
        while pos < end and text[pos] in WHITESPACE:
            pos += 1
        return pos

    def start(self) -> int:
        pos = self.skip(0)
        if pos >= len(self.text):
            raise json.JSONDecodeError("The file is empty", self.text, pos)
        return pos

    def char(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""

    def value(self, pos: int) -> tuple[Any, int]:
        return self.decoder.raw_decode(self.text, pos)

    def finish(self, pos: int) -> None:
        pos = self.skip(pos)
        if pos != len(self.text):
            raise json.JSONDecodeError("Extra data after the JSON value", self.text, pos)

    def items(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        """The elements of the array at `pos`, each with its first line; and the end position."""
        if self.char(pos) != "[":
            raise json.JSONDecodeError("Expecting '['", self.text, pos)
        found: list[tuple[int, Any]] = []
        pos = self.skip(pos + 1)
        if self.char(pos) == "]":
            return found, pos + 1
        while True:
            pos = self.skip(pos)
            start = pos
            value, pos = self.value(pos)
            found.append((self.line(start), value))
            pos = self.skip(pos)
            if self.char(pos) == ",":
                pos += 1
            elif self.char(pos) == "]":
                return found, pos + 1
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", self.text, pos)

    def members(
        self, pos: int, *, arrays: frozenset[str] = frozenset()
    ) -> tuple[dict[str, tuple[int, Any]], int]:
        """The members of the object at `pos`: {key: (line of the value, value)}. A member named in
        `arrays` whose value is an array comes back as its items with their lines."""
        if self.char(pos) != "{":
            raise json.JSONDecodeError("Expecting '{'", self.text, pos)
        found: dict[str, tuple[int, Any]] = {}
        pos = self.skip(pos + 1)
        if self.char(pos) == "}":
            return found, pos + 1
        while True:
            pos = self.skip(pos)
            if self.char(pos) != '"':
                raise json.JSONDecodeError("Expecting a property name in double quotes", self.text, pos)
            key, pos = self.value(pos)
            pos = self.skip(pos)
            if self.char(pos) != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", self.text, pos)
            pos = self.skip(pos + 1)
            start = pos
            if key in arrays and self.char(pos) == "[":
                value, pos = self.items(pos)
            else:
                value, pos = self.value(pos)
            found[key] = (self.line(start), value)
            pos = self.skip(pos)
            if self.char(pos) == ",":
                pos += 1
            elif self.char(pos) == "}":
                return found, pos + 1
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", self.text, pos)
