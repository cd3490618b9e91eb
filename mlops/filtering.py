"""How a trader's ML filter combines the model's verdict with the rules' buy. Pure.

- `filter`: the rules pick the buys; the model drops one it calls `avoid` or `watch` with at
  least the trader's minimum confidence (a confident "no" vetoes).
- `require_both`: a buy needs the model's `buy` or `strong_buy` with at least that confidence
  (a confident "yes" is required).
The model never adds a buy the rules did not pick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FILTER: Final = "filter"
REQUIRE_BOTH: Final = "require_both"
MODES: Final = (FILTER, REQUIRE_BOTH)
BUY_LABELS: Final = ("buy", "strong_buy")


@dataclass(frozen=True)
class Decision:
    keep: bool
    reason: str  # why the buy was dropped, "" when kept


def decide(label: str, confidence: float, *, mode: str, min_confidence: float) -> Decision:
    """Keep or drop a rules' buy given the model's (label, confidence)."""
    if mode not in MODES:
        raise ValueError(f"unknown ML combine mode {mode!r}")
    sure = confidence >= min_confidence
    if mode == FILTER:
        if label not in BUY_LABELS and sure:
            return Decision(False, f"the model says {label} at {confidence:.2f} confidence")
        return Decision(True, "")
    if label in BUY_LABELS and sure:
        return Decision(True, "")
    if label in BUY_LABELS:
        return Decision(False, f"the model says {label} at only {confidence:.2f} confidence")
    return Decision(False, f"the model says {label} at {confidence:.2f} confidence")
