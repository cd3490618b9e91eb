"""`python manage.py run_embedded --host 127.0.0.1 --port 8000`: the whole platform in one process.

What `make run` starts after `migrate`. The machinery is in config/embedded.py.
"""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config import embedded
from config.env import local_secret


def _browser_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 - only to print a URL a browser can open
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _simulator_accounts(*, demo_users: bool) -> None:
    """The embedded simulator starts empty: register the stored simulator keys again, and give the
    demo trader a funded simulator account as their default exchange account; the other apps
    add what a first alert needs (accounts/hooks.py), so the alert template works at once."""
    from accounts.hooks import demo_trader_ready
    from accounts.models import User
    from brokers.services import demo_account_ensure
    from brokers.services_simulator import simulator_accounts_restore

    simulator_accounts_restore()
    trader = User.objects.filter(email__iexact="trader@tradefleet.local").first() if demo_users else None
    if trader is not None:
        demo_account_ensure(
            user=trader,
            api_key=local_secret("simulator_demo_api_key"),
            api_secret=local_secret("simulator_demo_api_secret"),
        )
        demo_trader_ready.send(sender=User, user=trader)


class Command(BaseCommand):
    help = (
        "Serve HTTP and WebSocket; in embedded mode (no REDIS_URL) also run a Celery worker and beat "
        "in this process. Creates the demo users on the first start."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port (default $PORT or 8000).",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=embedded.WORKER_THREADS,
            help="Worker threads in embedded mode.",
        )
        parser.add_argument("--no-demo-users", action="store_true", help="Do not create the demo users.")

    def handle(
        self, *args: Any, host: str, port: int, concurrency: int, no_demo_users: bool, **options: Any
    ) -> None:
        base_url = f"http://{_browser_host(host)}:{port}"
        if not os.environ.get("PUBLIC_URL"):
            # The webhook URL shown to traders must name the port this process serves.
            settings.PUBLIC_URL = base_url
        demo = StringIO()

        def create_demo_users() -> None:
            # Only once the port is ours: a start that fails on a busy port must not create the
            # users, or their passwords would never be shown.
            if not no_demo_users:
                call_command("ensure_demo_users", base_url=base_url, stdout=demo)
            if settings.SIMULATOR_EMBEDDED:
                _simulator_accounts(demo_users=not no_demo_users)
            if settings.KOTAK_SIMULATOR_EMBEDDED:
                # The embedded Kotak simulator starts empty too: register the stored logins again.
                from brokers.services_kotak import kotak_simulator_accounts_restore

                kotak_simulator_accounts_restore()

        def announce() -> None:
            # Printed once the server listens, after the start-up log lines, so it is not missed.
            self.stdout.write(f"\n{embedded.describe_mode(concurrency=concurrency)}.")
            self.stdout.write(
                f"Tradefleet is up: {base_url}/  (API docs {base_url}/api/v1/docs/,"
                f" admin {base_url}/admin/). Ctrl-C stops it.\n"
            )
            if settings.LOG_CONSOLE_LEVEL:
                self.stdout.write(
                    "The console shows warnings, errors and the trade journal; every task's line is on "
                    "the Logs page, or here with LOG_LEVEL=INFO make run.\n"
                )
            if demo.getvalue():
                self.stdout.write(demo.getvalue())
            self.stdout.flush()

        try:
            code = embedded.serve(
                host=host,
                port=port,
                concurrency=concurrency,
                before_start=create_demo_users,
                on_ready=announce,
            )
        except RuntimeError as exc:  # a simulator's port the environment chose is taken: one line
            raise CommandError(str(exc)) from None
        if code:
            self.stdout.flush()
            self.stderr.flush()
            # A worker thread is still busy: ending the process is the only way not to wait for it.
            os._exit(code)
