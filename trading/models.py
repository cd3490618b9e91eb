"""Every model of the `trading` app, for Django's app registry.

The models live in the domain subpackages (docs/architecture.md); each keeps `app_label`
"trading" and the table name it always had, so moving code never needs a migration.
"""

from trading.dca.models import *  # noqa: F403
from trading.equities.models import *  # noqa: F403
from trading.positions.models import *  # noqa: F403
from trading.queue.models import *  # noqa: F403
from trading.risk.models import *  # noqa: F403
from trading.runtime.models import *  # noqa: F403
from trading.settings.models import *  # noqa: F403
from trading.signals.models import *  # noqa: F403
