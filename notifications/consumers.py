"""The live-events socket of the web UI: `ws/events/?token=<access>`.

Server to client: `{"type": "order.updated" | ..., "data": {...}, "ts": "..."}` (events.py), only
the authenticated user's own events. Client to server: `{"type": "ping"}`, answered with
`{"type": "pong"}`; each ping also checks that the login session is still alive.
`{"type": "watch", "kind": "positions", "ids": [...]}` names what the open page shows, for
updates between the monitors' ticks (live_watch.py).

Close codes: 4401 when the token is missing, bad or expired, or its session has ended (the client
should refresh its token or log in again, then reconnect).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.ws_auth import aauthenticate_access_token

from . import events, live_watch
from .services.inbox import unread_count

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept, then close: a browser sees the close code of an accepted socket, whereas a
            # refused handshake reaches its JavaScript as an anonymous 1006 the SPA could not tell
            # from a network failure. Nothing is sent and no group is joined before the close.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        events.note_server_loop()
        self.user_id = user.pk
        groups = [events.group_for_user(user.pk)]
        if self.scope.get("session_id"):
            groups.append(events.group_for_session(self.scope["session_id"]))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        # Channels leaves the groups listed here when the socket disconnects.
        self.groups = groups
        await self.accept()

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            return  # binary frames mean nothing here
        try:
            content = json.loads(text_data)
        except ValueError:
            logger.debug("ignoring a WebSocket frame that is not JSON")
            return
        await self.receive_json(content)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "user_id"):
            await live_watch.drop(self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "watch" and hasattr(self, "user_id"):
            await live_watch.watch(self.channel_name, str(self.user_id), content, self.send_json)
            return
        if not isinstance(content, dict) or content.get("type") != "ping":
            return  # unknown messages are ignored, so newer clients still work with this server
        token = self.scope.get("access_token")
        user, _ = await aauthenticate_access_token(token) if token else (None, None)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.send_json({"type": "pong"})

    # --- channel-layer messages -------------------------------------------------------------------
    async def event_message(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == events.NOTIFICATION_CREATED:
            # The bell's count is read here, for the users who are watching, not by notify() in
            # the tick that raised it (a thousand fills, most of their users not online).
            count = await database_sync_to_async(unread_count)(self.user_id)
            event = {**event, "data": {**event["data"], "unread_count": count}}
        live_watch.forwarded(self.channel_name, str(event.get("type", "")))
        await self.send_json(event)

    async def session_ended(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_UNAUTHENTICATED)
