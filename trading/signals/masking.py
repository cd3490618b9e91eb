"""A webhook body as it is stored and shown: the user's secret masked wherever it may hide
(the `secret` field, deeper values, keys, another case), pure."""

from __future__ import annotations

import json
from typing import Any

from trading.signals.webhook import MAX_BODY_BYTES

MASK = "***"
_DUMP: dict[str, Any] = {"ensure_ascii": False, "separators": (", ", ": ")}


def masked_body(body: object, secret: str) -> str:
    """The body as JSON text with the `secret` field replaced and the secret masked anywhere else
    it might hide (deeper than the parser looks, in keys, in different case)."""
    needle = secret.lower()
    if isinstance(body, dict) and needle and json.dumps(secret, ensure_ascii=False)[1:-1] == secret:
        # The usual body holds the secret in `secret` only: dump it with that one value replaced,
        # and walk the body only if the secret shows up anywhere else. A secret JSON does not
        # escape appears verbatim wherever a key or string holds it, so the search is exact.
        text = json.dumps({**body, "secret": MASK} if "secret" in body else body, **_DUMP)
        if needle not in text.lower():
            return text
    return json.dumps(_mask(body, needle, top=True), **_DUMP)


def _mask(value: Any, needle: str, *, top: bool = False) -> Any:
    if isinstance(value, dict):
        return {
            _mask_text(str(k), needle): (MASK if top and k == "secret" else _mask(v, needle))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v, needle) for v in value]
    if isinstance(value, str):
        return _mask_text(value, needle)
    if isinstance(value, float) and value != value:  # NaN never gets here (decode refuses it)
        return None
    return value


def _mask_text(text: str, needle: str) -> str:
    if not needle or needle not in text.lower():
        return text
    lowered, out, start = text.lower(), [], 0
    while (at := lowered.find(needle, start)) != -1:
        out.append(text[start:at] + MASK)
        start = at + len(needle)
    out.append(text[start:])
    return "".join(out)


def masked_text(raw: bytes, secret: str) -> str:
    """An undecodable body as text for the log: at most MAX_BODY_BYTES, the secret masked."""
    text = raw[:MAX_BODY_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return _mask_text(text, secret.lower())
