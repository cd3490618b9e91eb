from importlib import import_module

from django.apps import AppConfig

# The domain subpackages, in dependency order: each imports only those before it
# (docs/architecture.md; import-linter checks it, see pyproject.toml).
SUBPACKAGES = (
    "runtime",
    "dca",
    "settings",
    "signals",
    "positions",
    "execution",
    "takeprofit",
    "queue",
    "risk",
    "equities",
    "service",
)
# Modules Django and Celery look for only at an app's top level (`trading.admin`, `trading.tasks`):
# the subpackages' own are imported here, in every process. A subpackage's `receivers.connect()`
# wires its reactions to events of lower layers (the seams, docs/architecture.md).
REGISTERING_MODULES = ("tasks", "admin", "receivers")


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = "Trading"

    def ready(self) -> None:
        for sub in SUBPACKAGES:
            for module in REGISTERING_MODULES:
                try:
                    loaded = import_module(f"trading.{sub}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"trading.{sub}.{module}":
                        raise  # a missing import inside the module is a bug, not an absent module
                    continue
                if module == "receivers":
                    loaded.connect()
