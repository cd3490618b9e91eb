"""What the positions subpackage tells the layers above it (they connect in their receivers.py).

`group_status_changed(group=, previous=)` is sent inside the transaction that holds the group's
lock, whenever a group's status changes (positions.services.group_refresh and the dust close in
execution.services.exits). A receiver enqueues its work after commit, so it sees the committed
state: the queue promotes into a freed pool slot (trading/queue/receivers.py), the risk engine
runs after a group turns complete or stops being so (trading/risk/receivers.py).
"""

from __future__ import annotations

from django.dispatch import Signal

from trading.positions.models import GroupStatus

group_status_changed = Signal()

# A group that ends in one of these no longer takes a slot of the execution pool.
FREES_A_SLOT = (GroupStatus.CLOSED, GroupStatus.FAILED)
