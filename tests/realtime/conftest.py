from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from accounts.models import User
from accounts.sessions import TokenPair, session_start
from config.asgi import application
from notifications import events

Connect = Callable[..., Awaitable[tuple[WebsocketCommunicator, dict[str, Any]]]]


@pytest.fixture(autouse=True)
def _fresh_channel_layer(settings: Any) -> Iterator[None]:
    # Each test gets a new layer of the configured backend (in-memory, or Redis with REDIS_URL):
    # Channels drops its cached layers whenever CHANNEL_LAYERS is set.
    settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)
    yield
    events.set_server_loop(None)


@pytest.fixture
def login() -> Callable[[User], TokenPair]:
    """A real login session for `user` and its token pair."""
    return lambda user: session_start(user=user, request=None)


@pytest.fixture
async def sockets() -> Any:
    """`await connect(token)` opens a socket on the real ASGI application and returns it with
    the first message the server sent (`websocket.accept`, or `websocket.close` with its code)."""
    opened: list[WebsocketCommunicator] = []

    async def connect(
        token: str | None, *, path: str = "/ws/events/", headers: list[tuple[bytes, bytes]] | None = None
    ) -> tuple[WebsocketCommunicator, dict[str, Any]]:
        url = f"{path}?token={token}" if token is not None else path
        communicator = WebsocketCommunicator(application, url, headers=headers)
        opened.append(communicator)
        await communicator.send_input({"type": "websocket.connect"})
        first = await communicator.receive_output(timeout=5)
        return communicator, first

    yield connect
    for communicator in opened:
        # channels-redis can take a second to cancel a consumer's pending receive; the
        # communicator cancels the application after the timeout, which is all a test needs.
        await communicator.disconnect(timeout=0.3)


async def close_code(communicator: WebsocketCommunicator, first: dict[str, Any]) -> int | None:
    """The close code a refused socket got (None when it was accepted and left open). A refusal is
    an accept followed at once by a close, so that browsers see the code (notifications/consumers.py)."""
    if first["type"] == "websocket.close":
        return first.get("code", 1000)
    assert first["type"] == "websocket.accept"
    if await communicator.receive_nothing(timeout=0.1):
        return None
    message = await communicator.receive_output(timeout=1)
    assert message["type"] == "websocket.close", f"expected a close, got {message}"
    return message.get("code", 1000)


async def run_in_thread(func: Callable[[], Any]) -> Any:
    """Run sync code in a thread that is not the event loop's, as a Celery worker or a sync view
    would, and close that thread's database connection afterwards."""

    def call() -> Any:
        try:
            return func()
        finally:
            connections.close_all()

    return await sync_to_async(call, thread_sensitive=False)()
