"""What the settings subpackage tells the layers above it (they connect in their receivers.py).

`task_schedule_changed(user_id=, entries=)` is sent inside the transaction that saves a user's
new `task_schedule`, so what reacts (the service's beat rows) commits or rolls back with it.
"""

from django.dispatch import Signal

task_schedule_changed = Signal()
