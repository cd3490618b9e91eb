"""Fault injection for the Kotak paths: the crypto simulator's injector (5xx, hangs, "applied but
answer lost", counts, rates, latency), matched by path prefix (`"POST /quick/order"` or
`"/quick/user"`) and without Binance's rate limits, which Kotak does not answer that way."""

from __future__ import annotations

from typing import Any

from brokers.simulator.faults import FaultConfig, FaultInjector

_NOT_HERE = ("rate_limit_rate", "rate_limit_per_minute", "ban_after", "ban_seconds")


class PrefixFaultInjector(FaultInjector):
    def configure(self, **changes: Any) -> FaultConfig:
        refused = sorted(name for name in _NOT_HERE if changes.get(name))
        if refused:
            raise ValueError(f"not supported by the Kotak simulator: {', '.join(refused)}")
        return super().configure(**changes)

    def _matches(self, method: str, path: str) -> bool:
        if not self.config.match:
            return True
        for entry in self.config.match:
            verb, _, prefix = entry.partition(" ") if " " in entry else ("", "", entry)
            if (not verb or verb.upper() == method) and path.startswith(prefix):
                return True
        return False
