"""ASGI entry point: HTTP goes to Django, WebSockets to Channels (notifications/routing.py).

uvicorn config.asgi:application        # production web process
python manage.py run_embedded          # the whole platform in one process (config/embedded.py)
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django (apps, models) before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from django.urls import re_path  # noqa: E402

from accounts.ws_auth import BrowserOriginValidator, JWTQueryStringAuthMiddleware  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

websocket_routes = [
    *websocket_urlpatterns,
    # Any other path is refused at the handshake (403), not answered with a server error.
    re_path(r"", WebsocketDenier.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin first (cheap, no database), then the token, then the route.
        "websocket": BrowserOriginValidator(JWTQueryStringAuthMiddleware(URLRouter(websocket_routes))),
    }
)
