from importlib import import_module

from django.apps import AppConfig

# Subpackages with their own `tasks`/`admin` modules, which Celery and Django look for only at an
# app's top level (`brokers.tasks`, `brokers.admin`): imported here, in every process.
SUBPACKAGES = ("marketdata", "paper_equities")
REGISTERING_MODULES = ("tasks", "admin")


class BrokersConfig(AppConfig):
    name = "brokers"
    verbose_name = "Exchange accounts and brokers"

    def ready(self) -> None:
        for sub in SUBPACKAGES:
            for module in REGISTERING_MODULES:
                try:
                    import_module(f"brokers.{sub}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"brokers.{sub}.{module}":
                        raise  # a missing import inside the module is a bug, not an absent module
        from django.conf import settings
        from django.core.signals import setting_changed

        from . import nse_calendar

        nse_calendar.configure(settings.NSE_EXTRA_HOLIDAYS)
        setting_changed.connect(_nse_holidays_changed, dispatch_uid="brokers.nse_extra_holidays")
        # Paper NSE registers its catalog entry itself (it builds on the registry, so the registry
        # cannot import it without a cycle).
        import_module("brokers.paper_equities.kind")
        # The user closing their account: their keys are wiped (accounts/hooks.py).
        import_module("brokers.closing").connect()


def _nse_holidays_changed(*, setting: str, value: object, **kwargs: object) -> None:
    if setting == "NSE_EXTRA_HOLIDAYS":
        from . import nse_calendar

        nse_calendar.configure(value or ())  # type: ignore[arg-type]  # a tuple of dates
