"""The one form of an e-mail address that storage, lookup and the login lockout all use. Pure.

Case-insensitive matching done twice, differently, let an address past its own lockout: the
lockout keyed on Python's `lower()` while the login looked the user up with PostgreSQL's
`UPPER(email)`, and the long s (U+017F) is its own lower case but upper-cases to `S`. So
`desk@sec.test` spelt with long s's had a lockout of its own yet logged in as `desk@sec.test`.
One function, applied before anything is stored, looked up or counted, leaves no second opinion.
"""

from __future__ import annotations

import unicodedata


def normalize_email(address: str) -> str:
    """NFKC, then case folding (Unicode's caseless match), then NFKC again since folding can
    undo it: `De\u017fk@\uff33\uff25\uff23.test` (long s, full-width SEC) -> `desk@sec.test`. The
    whole address, local part included, as the lower-casing it replaces did."""
    folded = unicodedata.normalize("NFKC", address.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)
