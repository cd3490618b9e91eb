"""OHLCV series to replay: a CSV file, or the public-domain daily stocks of `bokeh-sampledata`.

Read straight into Decimal (the bokeh module itself parses floats, so its gzip CSV is read
directly)."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

# The bokeh series with enough history to replay (FB has under a year of it).
STOCK_TICKERS: tuple[str, ...] = ("AAPL", "GOOG", "IBM", "MSFT")

_TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "open_time", "opentime")
_SYMBOL_COLUMNS = ("symbol", "ticker")


@dataclass(frozen=True)
class Bar:
    label: str  # the source's own time stamp, kept for the state endpoint ("2004-06-01")
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class ReplayDataError(ValueError):
    pass


def _bars_from_rows(rows: Iterable[Mapping[str, str]], source: str) -> dict[str, list[Bar]]:
    """Rows keyed by lower-case column name -> bars per symbol ("" when the file has no symbol
    column). Rows keep their file order, which must be oldest first."""
    out: dict[str, list[Bar]] = {}
    for line, row in enumerate(rows, start=2):
        try:
            bar = Bar(
                label=next((row[c] for c in _TIME_COLUMNS if row.get(c)), str(line)),
                open=Decimal(row["open"]),
                high=Decimal(row["high"]),
                low=Decimal(row["low"]),
                close=Decimal(row["close"]),
                volume=Decimal(row.get("volume") or "0"),
            )
        except (KeyError, InvalidOperation) as exc:
            raise ReplayDataError(f"{source} line {line}: needs numeric open, high, low, close") from exc
        if min(bar.open, bar.high, bar.low, bar.close) <= 0 or bar.low > bar.high:
            raise ReplayDataError(f"{source} line {line}: prices must be positive with low <= high")
        symbol = next((row[c] for c in _SYMBOL_COLUMNS if row.get(c)), "")
        out.setdefault(symbol.upper(), []).append(bar)
    if not out:
        raise ReplayDataError(f"{source} has no rows")
    return out


def load_csv(path: str | Path) -> dict[str, list[Bar]]:
    """A CSV with columns open, high, low, close (volume, a time column and a symbol column are
    optional; names are case-insensitive). Without a symbol column the bars are keyed by ""."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = ({(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader)
        return _bars_from_rows(rows, str(path))


def load_stocks() -> dict[str, list[Bar]]:
    """AAPL, GOOG, IBM, MSFT daily bars, 2000-2013, from bokeh-sampledata (public domain)."""
    try:
        import bokeh_sampledata
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ReplayDataError("the 'stocks' price source needs the bokeh-sampledata package") from exc
    path = Path(bokeh_sampledata.package_path("stocks.csv.gz"))
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = (
            {(k or "").strip().lower().replace(" ", "_"): (v or "").strip() for k, v in row.items()}
            for row in reader
        )
        bars = _bars_from_rows(rows, "bokeh-sampledata stocks.csv.gz")
    return {ticker: bars[ticker] for ticker in STOCK_TICKERS}
