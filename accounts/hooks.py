"""What accounts tells the apps that build on it (they connect their receivers when ready).

`demo_trader_ready(user=)` is sent by the embedded runner (`make run`) once the demo trader has
their funded simulator account, so each app can give them what a first alert needs (trading:
a default BTC/USDT grid, trading/dca/receivers.py).
"""

from django.dispatch import Signal

demo_trader_ready = Signal()
