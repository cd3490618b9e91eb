"""`manage.py marketdata_refresh [--symbol RELIANCE.NS ...] [--source yfinance]`: refresh tracked
series now, in this process, with a progress bar (what the after-close Celery task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from brokers.errors import BrokerError
from brokers.marketdata import selectors, services


class Command(BaseCommand):
    help = "Refresh tracked market data series from their providers and report gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbol", action="append", default=[], help="Only this symbol (repeatable)")
        parser.add_argument("--source", default="", help="Only this source (yfinance, simulator, ...)")

    def handle(self, *args: Any, symbol: list[str], source: str, **options: Any) -> None:
        series = selectors.tracked_series(source=source.strip().lower() or None, active_only=True)
        if symbol:
            series = series.filter(symbol__in=[s.strip().upper() for s in symbol])
        failed = 0
        items = list(series)
        # The bar draws on the raw stream: Django's wrapper would end each redraw with a newline.
        bar = tqdm(items, unit="series", file=self.stderr._out, disable=not items)
        for item in bar:
            bar.set_description(str(item))
            try:
                result = services.series_refresh(series=item)
            except BrokerError as exc:
                failed += 1
                self.stderr.write(f"{item}: FAILED: {exc.message}")
                continue
            gaps = f", {len(result.gaps)} gap(s) from {result.gaps[0]}" if result.gaps else ""
            self.stdout.write(f"{item}: {result.fetched} fetched, {result.stored} stored{gaps}")
        self.stdout.write(f"{len(items) - failed} series refreshed, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} series could not be refreshed (see above and their last_error)")
