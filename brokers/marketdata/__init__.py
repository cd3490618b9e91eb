"""Daily (and intraday) OHLCV candles shared by every user: tracked series refreshed after each NSE
close from a provider (yfinance, a broker's candles, CSV uploads), stored once, checked for gaps
against the NSE calendar. See docs/user-guide/market-data.md."""
