"""The NSE cash-market scrips the simulator lists: real symbols and exchange tokens (the scrip
master's `pSymbol`), start prices near their late-2025 levels, and a tick fixed per scrip from its
start price (0.05 below 1000 rupees, else 0.10), as a scrip master states it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SEGMENT = "nse_cm"
TICK_SMALL = Decimal("0.05")
TICK_LARGE = Decimal("0.10")
LARGE_FROM = Decimal(1000)


@dataclass(frozen=True)
class ScripSpec:
    symbol: str  # RELIANCE
    token: str  # 2885 (pSymbol)
    name: str  # RELIANCE INDUSTRIES LTD
    start_price: Decimal

    @property
    def trading_symbol(self) -> str:
        return f"{self.symbol}-EQ"

    @property
    def tick(self) -> Decimal:
        return TICK_LARGE if self.start_price >= LARGE_FROM else TICK_SMALL

    def to_ticks(self, price: Decimal) -> int:
        return int((price / self.tick).to_integral_value())

    def price(self, ticks: int) -> Decimal:
        return (self.tick * ticks).quantize(Decimal("0.01"))

    def on_tick(self, price: Decimal) -> bool:
        return price % self.tick == 0


_TABLE = (
    ("RELIANCE", "2885", "RELIANCE INDUSTRIES LTD", "1480"),
    ("TCS", "11536", "TATA CONSULTANCY SERV LT", "3100"),
    ("INFY", "1594", "INFOSYS LIMITED", "1550"),
    ("HDFCBANK", "1333", "HDFC BANK LTD", "990"),
    ("ICICIBANK", "4963", "ICICI BANK LTD.", "1380"),
    ("SBIN", "3045", "STATE BANK OF INDIA", "880"),
    ("ITC", "1660", "ITC LTD", "410"),
    ("LT", "11483", "LARSEN & TOUBRO LTD.", "3900"),
    ("HINDUNILVR", "1394", "HINDUSTAN UNILEVER LTD.", "2450"),
    ("BHARTIARTL", "10604", "BHARTI AIRTEL LIMITED", "2050"),
    ("KOTAKBANK", "1922", "KOTAK MAHINDRA BANK LTD", "2100"),
    ("AXISBANK", "5900", "AXIS BANK LIMITED", "1220"),
    ("MARUTI", "10999", "MARUTI SUZUKI INDIA LTD.", "15800"),
    ("BAJFINANCE", "317", "BAJAJ FINANCE LIMITED", "1000"),
    ("ASIANPAINT", "236", "ASIAN PAINTS LIMITED", "2500"),
    ("SUNPHARMA", "3351", "SUN PHARMACEUTICAL IND L", "1700"),
    ("TITAN", "3506", "TITAN COMPANY LIMITED", "3700"),
    ("WIPRO", "3787", "WIPRO LTD", "245"),
    ("ULTRACEMCO", "11532", "ULTRATECH CEMENT LIMITED", "11800"),
    ("NESTLEIND", "17963", "NESTLE INDIA LIMITED", "1250"),
    ("TATASTEEL", "3499", "TATA STEEL LIMITED", "170"),
    ("HCLTECH", "7229", "HCL TECHNOLOGIES LTD", "1600"),
    ("ONGC", "2475", "OIL AND NATURAL GAS CORP.", "245"),
    ("NTPC", "11630", "NTPC LTD", "330"),
    ("POWERGRID", "14977", "POWER GRID CORP. LTD.", "280"),
)

SCRIPS: tuple[ScripSpec, ...] = tuple(
    ScripSpec(symbol, token, name, Decimal(price)) for symbol, token, name, price in _TABLE
)


def scrip_index(scrips: tuple[ScripSpec, ...] = SCRIPS) -> dict[str, ScripSpec]:
    """Every name a scrip is looked up by: RELIANCE, RELIANCE-EQ and its token 2885."""
    index: dict[str, ScripSpec] = {}
    for spec in scrips:
        index[spec.symbol] = spec
        index[spec.trading_symbol] = spec
        index[spec.token] = spec
    return index
