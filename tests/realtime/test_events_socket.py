"""The live-events socket `ws/events/?token=<access>` on the real ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.sessions import TokenPair, session_revoke
from notifications import events
from notifications.consumers import CLOSE_UNAUTHENTICATED
from tests.realtime.conftest import Connect, close_code, run_in_thread

pytestmark = pytest.mark.django_db(transaction=True)


def _expired(pair: TokenPair) -> str:
    token = AccessToken(pair.access)
    token.set_exp(from_time=timezone.now() - timedelta(days=3))
    return str(token)


def _signed_elsewhere(pair: TokenPair) -> str:
    claims = jwt.decode(pair.access, options={"verify_signature": False})
    return jwt.encode(claims, "a-key-that-is-not-ours-0123456789abcdef", algorithm="HS256")


def _revoked(pair: TokenPair) -> str:
    session_revoke(session=pair.session, reason="logout")
    return pair.access


def _user_deactivated(pair: TokenPair) -> str:
    User.objects.filter(pk=pair.session.user_id).update(is_active=False)
    return pair.access


BAD_TOKENS: dict[str, Callable[[TokenPair], str]] = {
    "garbage": lambda pair: "not-a-jwt",
    "expired": _expired,
    "signed with another key": _signed_elsewhere,
    "refresh token": lambda pair: pair.refresh,
    "revoked session": _revoked,
    "deactivated user": _user_deactivated,
}


async def test_socket_without_token_is_closed_with_4401(sockets: Connect) -> None:
    communicator, first = await sockets(None)
    assert await close_code(communicator, first) == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_socket_with_unacceptable_token_is_closed_with_4401(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair], kind: str
) -> None:
    token = await sync_to_async(lambda: BAD_TOKENS[kind](login(trader)))()
    communicator, first = await sockets(token)
    assert await close_code(communicator, first) == CLOSE_UNAUTHENTICATED


async def test_socket_with_valid_token_stays_open_and_answers_ping(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, first = await sockets(pair.access)
    assert await close_code(communicator, first) is None
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}


async def test_frames_that_mean_nothing_are_ignored_and_the_socket_stays_usable(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)
    await communicator.send_to(text_data="{not json")
    await communicator.send_to(bytes_data=b"\x00\x01")
    await communicator.send_json_to(["ping"])
    await communicator.send_json_to({"type": "subscribe", "topic": "everything"})
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}


async def test_ping_after_the_session_was_revoked_closes_the_socket(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)
    await sync_to_async(session_revoke)(session=pair.session, reason="logout")
    await communicator.send_json_to({"type": "ping"})
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_ending_a_session_closes_its_sockets_and_no_others(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    phone, laptop = await sync_to_async(login)(trader), await sync_to_async(login)(trader)
    phone_socket, _ = await sockets(phone.access)
    laptop_socket, _ = await sockets(laptop.access)
    await run_in_thread(lambda: events.end_session_sockets(phone.session.id))
    assert await phone_socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    await laptop_socket.send_json_to({"type": "ping"})
    assert await laptop_socket.receive_json_from(timeout=2) == {"type": "pong"}


async def test_users_receive_their_own_events_and_never_another_users(
    sockets: Connect, trader: User, other_trader: User, login: Callable[[User], TokenPair]
) -> None:
    mine, theirs = await sync_to_async(login)(trader), await sync_to_async(login)(other_trader)
    my_socket, _ = await sockets(mine.access)
    their_socket, _ = await sockets(theirs.access)

    await run_in_thread(lambda: events.publish(other_trader.id, events.ORDER_UPDATED, {"order": "theirs"}))
    await run_in_thread(lambda: events.publish(trader.id, events.ORDER_UPDATED, {"order": "mine"}))

    received = await my_socket.receive_json_from(timeout=2)
    assert received["type"] == "order.updated"
    assert received["data"] == {"order": "mine"}
    assert received["ts"].endswith("Z")
    assert (await their_socket.receive_json_from(timeout=2))["data"] == {"order": "theirs"}
    assert await my_socket.receive_nothing(timeout=0.2)
    assert await their_socket.receive_nothing(timeout=0.05)


async def test_a_new_notification_reaches_the_socket_with_the_users_unread_count(
    sockets: Connect, trader: User, other_trader: User, login: Callable[[User], TokenPair]
) -> None:
    from notifications.services.notify import notify

    socket, _ = await sockets((await sync_to_async(login)(trader)).access)
    await run_in_thread(lambda: notify(other_trader.pk, "signal_refused", title="Theirs", message="x"))
    for n in (1, 2):
        await run_in_thread(lambda: notify(trader.pk, "signal_refused", title="Refused", message="Pool full"))
        received = await socket.receive_json_from(timeout=2)
        assert received["type"] == "notification.created"
        assert received["data"]["title"] == "Refused"
        assert received["data"]["unread_count"] == n  # the bell's count, never another user's
    assert await socket.receive_nothing(timeout=0.2)


async def test_every_socket_of_a_user_receives_the_users_events(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    first_tab, _ = await sockets((await sync_to_async(login)(trader)).access)
    second_tab, _ = await sockets((await sync_to_async(login)(trader)).access)
    await run_in_thread(lambda: events.publish(trader.id, events.POSITION_UPDATED, {"id": 7}))
    assert (await first_tab.receive_json_from(timeout=2))["data"] == {"id": 7}
    assert (await second_tab.receive_json_from(timeout=2))["data"] == {"id": 7}


async def test_event_published_inside_a_transaction_arrives_only_after_commit(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)
    published, checked = threading.Event(), threading.Event()

    def change_and_publish() -> None:
        with transaction.atomic():
            User.objects.filter(pk=trader.pk).update(username="renamed")
            events.publish(trader.id, events.SERVICE_UPDATED, {"state": "running"})
            published.set()
            assert checked.wait(5), "the test did not look in time"

    task = asyncio.ensure_future(run_in_thread(change_and_publish))
    assert await sync_to_async(published.wait, thread_sensitive=False)(5)
    assert await communicator.receive_nothing(timeout=0.3), "delivered before the commit"
    checked.set()
    await task
    event = await communicator.receive_json_from(timeout=2)
    assert event["type"] == "service.updated"
    assert event["data"] == {"state": "running"}


async def test_event_of_a_rolled_back_transaction_is_never_sent(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)

    def publish_then_fail() -> None:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            events.publish(trader.id, events.ORDER_UPDATED, {"order": 1})
            raise RuntimeError("the change failed")

    await run_in_thread(publish_then_fail)
    assert await communicator.receive_nothing(timeout=0.3)


async def test_publish_from_code_running_on_the_event_loop_is_delivered(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)
    events.publish(trader.id, events.LOG_CREATED, {"message": "from async code"})
    assert (await communicator.receive_json_from(timeout=2))["data"] == {"message": "from async code"}


async def test_a_closed_socket_leaves_its_user_group(
    settings: Any, sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)
    group = events.group_for_user(trader.id)
    layer = get_channel_layer()
    assert len(layer.groups[group]) == 1
    await communicator.disconnect()
    assert group not in layer.groups


async def test_other_paths_are_refused_at_the_handshake(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    _, first = await sockets(pair.access, path="/ws/everything/")
    assert first["type"] == "websocket.close"


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (None, True),  # scripts and bots send no Origin; the token is their proof
        (b"http://127.0.0.1:8000", True),
        (b"http://localhost:5173", True),  # the SPA's dev server: a host in ALLOWED_HOSTS
        (b"https://evil.example", False),
        (b"null", False),
    ],
)
async def test_browser_origins_must_be_ours(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair], origin: bytes | None, accepted: bool
) -> None:
    pair = await sync_to_async(login)(trader)
    headers = [(b"origin", origin)] if origin is not None else []
    communicator, first = await sockets(pair.access, headers=headers)
    if accepted:
        assert await close_code(communicator, first) is None
    else:
        assert first["type"] == "websocket.close"  # refused before any accept: HTTP 403


async def test_revoking_a_session_closes_its_socket_without_waiting_for_a_ping(
    sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    pair = await sync_to_async(login)(trader)
    communicator, _ = await sockets(pair.access)
    await run_in_thread(lambda: session_revoke(session=pair.session, reason="logout"))
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
