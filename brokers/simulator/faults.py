"""Fault injection and rate limiting for the Binance endpoints (never the control API).

Faults, drawn from one seeded generator so a run can be repeated:
- `error`: answer 5xx (500/503 by default) with a non-JSON body, as a load balancer in front of
  the exchange would; ccxt raises ExchangeNotAvailable, i.e. "outcome unknown";
- `timeout`: hold the connection for `hang_seconds` (None: until the server stops), then close
  it without an answer, or with the late answer when `respond_after_hang`;
- `rate_limit`: a random 429, as when other clients share the IP's budget.
With `after_apply` the request is carried out first and only its answer is lost: an order exists
that the client never heard of. `match` restricts faults to some endpoints ("POST /api/v3/order"
or a bare path for every method); `count` stops injecting after that many faults, which makes
tests deterministic.

Rate limiting: more than `rate_limit_per_minute` requests from one client (API key, else IP)
within a minute are answered 429 with Retry-After; a client that goes on past `ban_after` 429s in
that minute is banned with 418 for `ban_seconds`, as Binance does.

Latency: every Binance answer (faulty or not) leaves `latency_ms` after it was computed, plus up
to `latency_jitter_ms` (uniform, from a generator of its own seeded with `seed`), as a real
exchange's answer arrives tens of milliseconds after the request. No lock is held meanwhile, so
concurrent clients wait side by side, as they would on a network."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from .clock import Clock

FaultKind = Literal["error", "timeout", "rate_limit", "ban"]


@dataclass(frozen=True)
class FaultConfig:
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    timeout_rate: float = 0.0
    hang_seconds: float | None = 30.0
    respond_after_hang: bool = False
    rate_limit_rate: float = 0.0
    after_apply: bool = False
    match: tuple[str, ...] = ()
    count: int | None = None
    seed: int = 0
    rate_limit_per_minute: int | None = None
    ban_after: int = 3
    ban_seconds: int = 120
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0

    def validate(self) -> FaultConfig:
        rates = (self.error_rate, self.timeout_rate, self.rate_limit_rate)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError(
                "error_rate, timeout_rate and rate_limit_rate must be >= 0 and add up to at most 1"
            )
        if not self.error_statuses or any(not 500 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be 5xx codes")
        if self.hang_seconds is not None and self.hang_seconds < 0:
            raise ValueError("hang_seconds must be >= 0 (or null: never answer)")
        if self.count is not None and self.count < 0:
            raise ValueError("count must be >= 0")
        if self.rate_limit_per_minute is not None and self.rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be >= 1 (or null: no limit)")
        if not 0 <= self.latency_ms <= 60_000 or not 0 <= self.latency_jitter_ms <= 60_000:
            raise ValueError("latency_ms and latency_jitter_ms must be from 0 to 60000")
        return self

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["error_statuses"] = list(self.error_statuses)
        out["match"] = list(self.match)
        return out


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 0
    after_apply: bool = False
    hang_seconds: float | None = None
    respond_after_hang: bool = False
    retry_after: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class FaultInjector:
    def __init__(self, config: FaultConfig | None = None, *, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.config = (config or FaultConfig()).validate()
        self._rng = random.Random(self.config.seed)  # noqa: S311  reproducible faults, not secrets
        # Its own generator: a latency setting does not change which requests fail.
        self._latency_rng = random.Random(self.config.seed)  # noqa: S311  as above
        self._remaining = self.config.count
        self._window: dict[str, tuple[int, int, int]] = {}  # client -> (minute, requests, 429s)
        self._banned_until: dict[str, int] = {}
        self.injected: Counter[str] = Counter()

    def configure(self, **changes: Any) -> FaultConfig:
        """Replace some settings; the generator restarts from the (new) seed."""
        names = {f.name for f in fields(FaultConfig)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name in ("error_statuses", "match"):
            if name in changes and changes[name] is not None:
                changes[name] = tuple(changes[name])
        with self._lock:
            self.config = replace(self.config, **changes).validate()
            self._rng = random.Random(self.config.seed)  # noqa: S311  as above
            self._latency_rng = random.Random(self.config.seed)  # noqa: S311  as above
            self._remaining = self.config.count
            if "rate_limit_per_minute" in changes or "ban_seconds" in changes:
                self._window.clear()
                self._banned_until.clear()
            return self.config

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {**self.config.as_dict(), "remaining": self._remaining, "injected": dict(self.injected)}

    def latency(self) -> float:
        """Seconds the next answer waits before it leaves (0 without a latency setting)."""
        with self._lock:
            c = self.config
            if not c.latency_ms and not c.latency_jitter_ms:
                return 0.0
            jitter = self._latency_rng.random() * c.latency_jitter_ms if c.latency_jitter_ms else 0.0
            return (c.latency_ms + jitter) / 1000

    def used_weight(self, client: str) -> int:
        with self._lock:
            minute, used, _ = self._window.get(client, (0, 0, 0))
            return used if minute == self.clock.now_ms() // 60_000 else 0

    def decide(self, method: str, path: str, client: str) -> Fault | None:
        with self._lock:
            fault = self._limit(client) or self._random(method, path)
            if fault is not None:
                self.injected[fault.kind] += 1
            return fault

    def _limit(self, client: str) -> Fault | None:
        now = self.clock.now_ms()
        banned_until = self._banned_until.get(client, 0)
        if now < banned_until:
            return self._ban(client, banned_until, now)
        limit = self.config.rate_limit_per_minute
        minute = now // 60_000
        last_minute, used, strikes = self._window.get(client, (minute, 0, 0))
        if last_minute != minute:
            used, strikes = 0, 0
        used += 1
        if limit is None or used <= limit:
            self._window[client] = (minute, used, strikes)
            return None
        strikes += 1
        self._window[client] = (minute, used, strikes)
        if strikes > self.config.ban_after:
            self._banned_until[client] = now + self.config.ban_seconds * 1000
            return self._ban(client, self._banned_until[client], now)
        retry_after = max(1, ((minute + 1) * 60_000 - now + 999) // 1000)
        return _too_many(client, limit, retry_after)

    def _ban(self, client: str, until: int, now: int) -> Fault:
        return Fault(
            "ban",
            status=418,
            retry_after=max(1, (until - now + 999) // 1000),
            payload={
                "code": -1003,
                "msg": f"Way too many requests; IP({client}) banned until {until}. "
                "Please use the websocket for live updates to avoid bans.",
            },
        )

    def _matches(self, method: str, path: str) -> bool:
        if not self.config.match:
            return True
        return any(m == path or m == f"{method} {path}" for m in self.config.match)

    def _random(self, method: str, path: str) -> Fault | None:
        c = self.config
        if not (c.error_rate or c.timeout_rate or c.rate_limit_rate) or not self._matches(method, path):
            return None
        if self._remaining is not None and self._remaining <= 0:
            return None
        roll = self._rng.random()
        if roll < c.error_rate:
            fault = Fault("error", status=self._rng.choice(c.error_statuses), after_apply=c.after_apply)
        elif roll < c.error_rate + c.timeout_rate:
            fault = Fault(
                "timeout",
                after_apply=c.after_apply,
                hang_seconds=c.hang_seconds,
                respond_after_hang=c.respond_after_hang,
            )
        elif roll < c.error_rate + c.timeout_rate + c.rate_limit_rate:
            fault = _too_many("simulated", c.rate_limit_per_minute or 6000, 1)
        else:
            return None
        if self._remaining is not None:
            self._remaining -= 1
        return fault


def _too_many(client: str, limit: int, retry_after: int) -> Fault:
    return Fault(
        "rate_limit",
        status=429,
        retry_after=retry_after,
        payload={
            "code": -1003,
            "msg": f"Too many requests; current limit of IP({client}) is {limit} requests per minute. "
            "Please use the websocket for live updates to avoid polling the API.",
        },
    )
