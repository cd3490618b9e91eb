"""The simulator's market table and the Decimal arithmetic every other module shares.

Filters follow Binance spot's published values for these pairs (tick, step, minimum quantity,
minimum notional 5 USDT); starting prices are round, plausible figures. Every product
`quantity * price` of a table entry has at most 8 decimals, so balances stay exact at Binance's
8-decimal display without rounding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

EIGHT = Decimal("0.00000001")
QUOTE = "USDT"


@dataclass(frozen=True)
class MarketSpec:
    symbol: str  # Binance id, BTCUSDT
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    max_notional: Decimal
    max_price: Decimal
    start_price: Decimal
    volatility: Decimal  # standard deviation of one random-walk step (one second by default), as a fraction

    @property
    def min_price(self) -> Decimal:
        return self.tick_size


def _spec(
    base: str,
    *,
    tick: str,
    step: str,
    max_qty: str,
    price: str,
    vol: str,
    max_price: str = "1000000",
    quote: str = QUOTE,
) -> MarketSpec:
    return MarketSpec(
        symbol=f"{base}{quote}",
        base=base,
        quote=quote,
        tick_size=Decimal(tick),
        step_size=Decimal(step),
        min_qty=Decimal(step),
        max_qty=Decimal(max_qty),
        min_notional=Decimal("5"),
        max_notional=Decimal("9000000"),
        max_price=Decimal(max_price),
        start_price=Decimal(price),
        volatility=Decimal(vol),
    )


CRYPTO_MARKETS: tuple[MarketSpec, ...] = (
    _spec("BTC", tick="0.01", step="0.00001", max_qty="9000", price="65000.00", vol="0.0002"),
    _spec("ETH", tick="0.01", step="0.0001", max_qty="9000", price="3400.00", vol="0.0003"),
    _spec("BNB", tick="0.01", step="0.001", max_qty="9000", price="580.00", vol="0.0003"),
    _spec("SOL", tick="0.01", step="0.001", max_qty="9000", price="150.00", vol="0.0005"),
    _spec(
        "XRP", tick="0.0001", step="0.1", max_qty="9222449", price="0.5200", vol="0.0015", max_price="10000"
    ),
    _spec(
        "ADA", tick="0.0001", step="0.1", max_qty="9000000", price="0.4500", vol="0.0015", max_price="1000"
    ),
    _spec(
        "DOGE", tick="0.00001", step="1", max_qty="9000000", price="0.12000", vol="0.0020", max_price="1000"
    ),
    _spec("LTC", tick="0.01", step="0.001", max_qty="90000", price="80.00", vol="0.0004", max_price="100000"),
    _spec("DOT", tick="0.001", step="0.01", max_qty="9000000", price="6.500", vol="0.0005", max_price="1000"),
    _spec("LINK", tick="0.01", step="0.01", max_qty="90000", price="14.00", vol="0.0005", max_price="100000"),
    _spec(
        "AVAX", tick="0.01", step="0.01", max_qty="9000000", price="28.00", vol="0.0018", max_price="100000"
    ),
    _spec(
        "TRX", tick="0.0001", step="0.1", max_qty="9000000", price="0.1200", vol="0.0010", max_price="1000"
    ),
)

# Listed only when prices replay bokeh-sampledata's daily stocks: they then trade at the real
# historical closes (2000-2013), quoted in USDT like everything else on this exchange.
STOCK_MARKETS: tuple[MarketSpec, ...] = (
    _spec("AAPL", tick="0.01", step="0.001", max_qty="100000", price="100.00", vol="0.0002"),
    _spec("GOOG", tick="0.01", step="0.001", max_qty="100000", price="400.00", vol="0.0002"),
    _spec("IBM", tick="0.01", step="0.001", max_qty="100000", price="100.00", vol="0.0002"),
    _spec("MSFT", tick="0.01", step="0.001", max_qty="100000", price="30.00", vol="0.0002"),
)


def synthetic_markets(count: int) -> tuple[MarketSpec, ...]:
    """`count` made-up pairs, `X001USDT` ..., for load tests that need many symbols: prices from
    10 to about 100 USDT, tick 0.01, step 0.001 (every product stays within 8 decimals)."""
    return tuple(
        _spec(f"X{n:03d}", tick="0.01", step="0.001", max_qty="900000", price=f"{10 + n}.00", vol="0.0005")
        for n in range(1, count + 1)
    )


def market_table(*, include_stocks: bool = False, extra: int = 0) -> dict[str, MarketSpec]:
    specs: Iterable[MarketSpec] = CRYPTO_MARKETS + (STOCK_MARKETS if include_stocks else ())
    return {spec.symbol: spec for spec in (*specs, *synthetic_markets(extra))}


def assets_of(markets: Mapping[str, MarketSpec]) -> list[str]:
    """Every asset listed, quote first, in a stable order (the order `/account` answers in)."""
    seen: dict[str, None] = {}
    for spec in markets.values():
        seen.setdefault(spec.quote)
    for spec in markets.values():
        seen.setdefault(spec.base)
    return list(seen)


def normalize_symbol(text: str) -> str:
    """`btc/usdt`, `BTC-USDT`, `BTC_USDT` -> `BTCUSDT` (what the control API accepts)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


# --- Decimal helpers -------------------------------------------------------------------------------


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def round_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_HALF_EVEN) * step


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


def fmt8(value: Decimal) -> str:
    """Binance writes every price and quantity with 8 decimals: `"0.01000000"`."""
    return f"{value.quantize(EIGHT, rounding=ROUND_HALF_EVEN):f}"


def parse_decimal(text: str) -> Decimal | None:
    """A plain decimal string (`"12"`, `"0.001"`) or None; no exponents, signs, NaN or spaces,
    which is what Binance accepts for quantities and prices."""
    if not text or len(text) > 42:
        return None
    whole, dot, frac = text.partition(".")
    if not whole.isdigit() or (dot and not frac.isdigit()) or not whole.isascii() or not frac.isascii():
        return None
    return Decimal(text)
