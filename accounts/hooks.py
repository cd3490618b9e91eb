"""What accounts tells the apps that build on it (they connect their receivers when ready).

`demo_trader_ready(user=)` is sent by the embedded runner (`make run`) once the demo trader has
their funded simulator account, so each app can give them what a first alert needs (trading:
a default BTC/USDT grid, trading/dca/receivers.py).

`account_closing(user=, close_positions=)` is sent inside the transaction that closes an account
(accounts/deletion): trading stops the user's service and cancels their open orders (and closes
their positions at market when `close_positions`), brokers deletes their exchange keys at once.

`export_starting(user=)` is sent by a data export's worker before it reads the user's rows, so
an app can store what it derives on read (trading: the marks of quiet groups,
trading/positions/receivers.py).
"""

from django.dispatch import Signal

demo_trader_ready = Signal()
account_closing = Signal()
export_starting = Signal()
