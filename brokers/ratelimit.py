"""Fleet-wide outbound rate limiting: one token bucket per exchange (or per API key), shared by
every worker process and every user.

ccxt's own limiter lives inside one ccxt instance, so N workers each holding their own instances
would send N times the exchange's limit from the same IP. Here the bucket lives in Redis and is
updated by one atomic Lua script (Redis' clock, so workers' clocks do not matter); embedded mode
(no Redis) uses an in-process bucket with the same interface. Units follow ccxt: `rateLimit` is
milliseconds per request unit and an endpoint costs `cost` units (ccxt passes it to
`throttle(cost)`), so a bucket refills at 1000 / rateLimit units per second.

A bucket *reserves*: a caller takes its tokens even when that drives the bucket into debt and is
told how long to sleep before sending. So every caller waits its turn and the aggregate never
exceeds `capacity + rate * t` in any window of t seconds. A caller that would have to wait longer
than `max_wait` reserves nothing and gets RateLimited: a worker is never parked for long.

A 429/418 from the exchange blocks the whole exchange (every process, every user) until the time
the exchange named (Retry-After, or binance's "banned until"), or a default back-off.

Whose work a request is (`working_for(account)`, or a throttle's `owner`) decides who is told
when the limiter holds it back for long (`rate_limited`, brokers/notices.py): one hold of
NOTIFY_RATE_LIMITED_SECONDS or more (a sleep, a request refused for a wait that long, a 429/418
back-off that long), or RATE_LIMITED_ANSWERS rate-limit answers to the account's requests within
one such window. Once per account per window.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from .errors import RateLimited

logger = logging.getLogger(__name__)

KEY_PREFIX = "tf:rl:"

_RESERVE_LUA = """
-- KEYS[1] bucket hash, KEYS[2] blocked-until (ms, Redis clock)
-- ARGV[1] rate (units/s), ARGV[2] capacity, ARGV[3] cost, ARGV[4] max wait (ms)
-- returns {granted 0|1, wait ms (string), blocked 0|1}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then
  return {0, string.format('%.17g', blocked - now), 1}
end
local rate = tonumber(ARGV[1]) / 1000
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens < cost then
  wait = (cost - tokens) / rate
end
if wait > max_wait then
  return {0, string.format('%.17g', wait), 0}
end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'ts', string.format('%.17g', math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {1, string.format('%.17g', wait), 0}
"""

_BLOCK_LUA = """
-- KEYS[1] blocked-until; ARGV[1] block for (ms). Only ever extends a block.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], string.format('%.17g', until_ms), 'PX', math.ceil(tonumber(ARGV[1])) + 1)
  current = until_ms
end
return string.format('%.17g', current - now)
"""


@dataclass(frozen=True)
class Reservation:
    granted: bool
    wait: float  # seconds: sleep this long before sending (granted), or the wait that was refused
    blocked: bool = False  # refused because the exchange is blocked (429/418)


@dataclass(frozen=True)
class Owner:
    """The exchange account whose work a request is: its owner is told when it is held back."""

    user_id: str
    account_id: str
    exchange: str
    label: str

    @classmethod
    def of(cls, config: Any) -> Owner:
        return cls(str(config.user_id), str(config.pk), str(config.exchange), str(config.label))


@dataclass
class _Work:
    owner: Owner
    answers: int = 0  # rate-limit answers seen through a throttle inside this `working_for`


_work: ContextVar[_Work | None] = ContextVar("ratelimit_work", default=None)


@contextmanager
def working_for(config: Any) -> Iterator[Owner]:
    """Requests made inside are the work of `config`'s account (an ExchangeConfig): held back for
    long, its owner is told. A RateLimited that leaves the block and that no throttle saw (a
    broker that answers 429 without our limiter, Kotak Neo) counts as an answer and a hold of its
    `retry_after`."""
    work = _Work(Owner.of(config))
    token = _work.set(work)
    try:
        yield work.owner
    except RateLimited as exc:
        if not exc.limiter and not work.answers:
            _held(work.owner, exc.retry_after, answer=True, exchange=exc.exchange or work.owner.exchange)
        raise
    finally:
        _work.reset(token)


def _held(owner: Owner | None, seconds: float, *, answer: bool = False, exchange: str = "") -> None:
    """Report a hold (and whether it came with a rate-limit answer) of `owner`'s work. Never
    raises: the request goes on (or fails) as it would without it."""
    if owner is None or (seconds <= 0 and not answer):
        return
    try:
        from .notices import rate_limited_held

        rate_limited_held(owner, seconds=seconds, answer=answer, exchange=exchange)
    except Exception:
        logger.warning("could not report a rate-limit hold", exc_info=True)


class Backend(Protocol):
    def reserve(
        self, bucket: str, block: str, *, cost: float, rate: float, capacity: float, max_wait: float
    ) -> Reservation: ...

    def block(self, block: str, seconds: float) -> float: ...


class LocalBackend:
    """The same bucket in process memory (embedded mode: one process, many threads)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, ts)
        self._blocked: dict[str, float] = {}  # name -> until (clock seconds)

    def reserve(
        self, bucket: str, block: str, *, cost: float, rate: float, capacity: float, max_wait: float
    ) -> Reservation:
        with self._lock:
            now = self._clock()
            until = self._blocked.get(block, 0.0)
            if until > now:
                return Reservation(False, until - now, blocked=True)
            tokens, ts = self._buckets.get(bucket, (capacity, now))
            tokens = min(capacity, tokens + max(0.0, now - ts) * rate)
            wait = (cost - tokens) / rate if tokens < cost else 0.0
            if wait > max_wait:
                return Reservation(False, wait)
            self._buckets[bucket] = (tokens - cost, max(now, ts))
            return Reservation(True, wait)

    def block(self, block: str, seconds: float) -> float:
        with self._lock:
            now = self._clock()
            until = max(self._blocked.get(block, 0.0), now + seconds)
            self._blocked[block] = until
            return until - now

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._blocked.clear()


class RedisBackend:
    """Buckets in Redis, shared by every process that talks to the same Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._reserve = self._client.register_script(_RESERVE_LUA)
        self._block = self._client.register_script(_BLOCK_LUA)

    def reserve(
        self, bucket: str, block: str, *, cost: float, rate: float, capacity: float, max_wait: float
    ) -> Reservation:
        granted, wait_ms, blocked = self._reserve(
            keys=[KEY_PREFIX + bucket, KEY_PREFIX + "block:" + block],
            args=[repr(rate), repr(capacity), repr(cost), repr(max_wait * 1000)],
        )
        return Reservation(bool(int(granted)), float(wait_ms) / 1000, blocked=bool(int(blocked)))

    def block(self, block: str, seconds: float) -> float:
        remaining_ms = self._block(keys=[KEY_PREFIX + "block:" + block], args=[repr(seconds * 1000)])
        return float(remaining_ms) / 1000


_local = LocalBackend()
_redis_backends: dict[str, RedisBackend] = {}
_backends_lock = threading.Lock()


def _redis_url() -> str:
    """Where buckets live: RATELIMIT_REDIS_URL, else the cache's Redis (shared by the whole
    fleet, and clearing it only costs one burst), else none (embedded mode)."""
    explicit = getattr(settings, "RATELIMIT_REDIS_URL", "")
    if explicit:
        return explicit
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("RedisCache"):
        location = cache.get("LOCATION", "")
        return location[0] if isinstance(location, list | tuple) else location
    return ""


def default_backend() -> Backend:
    url = _redis_url()
    if not url:
        return _local
    with _backends_lock:
        # redis-py's pool notices a fork and reconnects, so one client per URL per process is safe.
        if url not in _redis_backends:
            _redis_backends[url] = RedisBackend(url)
        return _redis_backends[url]


def reset_local_state() -> None:
    """Forget in-process buckets and blocks (tests; embedded mode has no other reset)."""
    _local.reset()


class Throttle:
    """One bucket, and the exchange-wide block it honours."""

    def __init__(
        self,
        *,
        bucket: str,
        block: str,
        rate: float,
        capacity: float,
        max_wait: float,
        backend: Backend | None = None,
        sleep: Callable[[float], None] = time.sleep,
        exchange: str = "",
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.bucket, self.block_name = bucket, block
        self.rate, self.capacity, self.max_wait = rate, capacity, max_wait
        self.backend = backend or default_backend()
        self._sleep = sleep
        self.exchange = exchange or block
        # Whose work every request of this throttle is (an account's adapter); else `working_for`.
        self.owner: Owner | None = None

    def _owner(self) -> Owner | None:
        if self.owner is not None:
            return self.owner
        work = _work.get()
        return work.owner if work is not None else None

    def wait(self, cost: float = 1.0) -> float:
        """Take `cost` units, sleeping until they may be spent. Returns the seconds slept; raises
        RateLimited when the wait would exceed `max_wait` (nothing is reserved then)."""
        waited = 0.0
        while True:
            budget = max(0.0, self.max_wait - waited)
            res = self._reserve(cost, budget)
            if res.granted:
                if res.wait > 0:
                    self._held(res.wait)
                    self._sleep(res.wait)
                if waited + res.wait > 0 and "prometheus_client" in sys.modules:
                    # Every web and worker process has it loaded; a bare script need not import it.
                    from .ratelimit_metrics import wait_observe

                    wait_observe(self.exchange, waited + res.wait)
                return waited + res.wait
            if res.wait > budget:
                why = "backing off after a rate-limit answer" if res.blocked else "request budget exhausted"
                self._held(res.wait)  # refused: the work waits that long before it may try again
                raise RateLimited(
                    f"{self.exchange}: {why}; retry in {res.wait:.1f} s",
                    exchange=self.exchange,
                    retry_after=res.wait,
                    limiter=True,
                )
            # Blocked, but the block ends within our budget: wait it out, then queue normally.
            self._held(res.wait)
            self._sleep(res.wait)
            waited += res.wait

    def back_off(self, seconds: float) -> float:
        """Block every process from this exchange for `seconds` (a 429/418 answer)."""
        remaining = self._call(lambda b: b.block(self.block_name, seconds))
        logger.warning("rate limited by %s: all workers back off for %.1f s", self.exchange, remaining)
        work = _work.get()
        if work is not None:
            work.answers += 1  # the RateLimited this answer becomes is counted here, not again
        self._held(remaining, answer=True)
        return remaining

    def _held(self, seconds: float, *, answer: bool = False) -> None:
        owner = self._owner()
        if owner is not None:  # most requests are nobody's in particular (public market data)
            _held(owner, seconds, answer=answer, exchange=self.exchange)

    def _reserve(self, cost: float, budget: float) -> Reservation:
        return self._call(
            lambda b: b.reserve(
                self.bucket,
                self.block_name,
                cost=cost,
                rate=self.rate,
                capacity=self.capacity,
                max_wait=budget,
            )
        )

    def _call(self, op: Callable[[Backend], Any]) -> Any:
        try:
            return op(self.backend)
        except Exception as exc:
            # Redis down means the fleet is degraded anyway (the broker lives there too); keep
            # trading under this process's own limit rather than failing every request.
            if self.backend is _local:
                raise
            logger.warning("rate limiter store unavailable (%s); limiting in-process", type(exc).__name__)
            return op(_local)


def _key_scope(api_key: str) -> str:
    # A digest, never the key itself: Redis key names show up in monitoring tools.
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def throttle_for(
    name: str,
    *,
    rate_limit_ms: float,
    scope: str = "exchange",
    api_key: str = "",
    backend: Backend | None = None,
) -> Throttle:
    """The throttle for exchange `name` (e.g. `binance`, `binance-testnet`), following ccxt's
    `rateLimit`. `scope="key"` gives each API key its own bucket (exchanges that limit per key);
    a 429 still blocks the whole exchange."""
    rate = 1000.0 / max(rate_limit_ms, 1e-3)
    burst = float(getattr(settings, "RATELIMIT_BURST_SECONDS", 1.0))
    capacity = max(1.0, rate * burst)
    bucket = f"{name}:key:{_key_scope(api_key)}" if scope == "key" and api_key else name
    return Throttle(
        bucket=bucket,
        block=name,
        rate=rate,
        capacity=capacity,
        max_wait=float(getattr(settings, "RATELIMIT_MAX_WAIT_SECONDS", 5.0)),
        backend=backend,
        exchange=name,
    )


def scope_for(exchange_id: str) -> str:
    """`key` for exchanges listed in RATELIMIT_PER_KEY_EXCHANGES, else `exchange` (per IP, which
    the whole fleet shares)."""
    per_key = getattr(settings, "RATELIMIT_PER_KEY_EXCHANGES", ())
    return "key" if exchange_id in per_key else "exchange"


_BANNED_UNTIL = re.compile(r"banned until (\d{13})")


def retry_after_seconds(headers: Mapping[str, str] | None, body: str | None) -> float:
    """How long a 429/418 asks us to wait: Retry-After (seconds), binance's `banned until <ms>`,
    or RATELIMIT_BACKOFF_SECONDS."""
    value = headers.get("Retry-After") if headers is not None else None
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass  # an HTTP date: rare for APIs; the default below is conservative enough
    match = _BANNED_UNTIL.search(body or "")
    if match:
        return max(0.0, int(match.group(1)) / 1000 - time.time())
    return float(getattr(settings, "RATELIMIT_BACKOFF_SECONDS", 5.0))


def install(exchange: Any, throttle: Throttle) -> None:
    """Put `throttle` in charge of a ccxt (sync) exchange instance.

    ccxt 4.5's `Exchange.fetch2` computes the endpoint's cost and calls `self.throttle(cost)`
    before every request when `enableRateLimit` is on; replacing that method on the instance
    removes ccxt's in-process sleep and makes every request, including retries inside ccxt,
    pass through the shared bucket. `on_rest_response` sees every HTTP answer with its status
    and headers: a 418/429 there blocks the whole exchange before ccxt raises its error."""
    exchange.enableRateLimit = True

    def shared_throttle(cost: float | None = None) -> None:
        # Reset per request: after a timeout there is no answer, and a stale status would make
        # the error mapping think the exchange answered.
        exchange.tf_last_status = exchange.tf_retry_after = None
        throttle.wait(1.0 if cost is None else float(cost))

    original = exchange.on_rest_response

    def on_rest_response(
        code: int, reason: str, url: str, method: str, headers: Any, body: str, *rest: Any
    ) -> Any:
        exchange.tf_last_status = code
        if code in (418, 429):
            exchange.tf_retry_after = throttle.back_off(retry_after_seconds(headers, body))
        return original(code, reason, url, method, headers, body, *rest)

    exchange.throttle = shared_throttle
    exchange.on_rest_response = on_rest_response
    exchange.tf_throttle = throttle
    exchange.tf_last_status = None
    exchange.tf_retry_after = None
