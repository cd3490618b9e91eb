from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _preferences_changed(sender: Any, instance: Any, **_: Any) -> None:
    # Every path that saves a user's preferences (the API, the Telegram link, Django admin) drops
    # the snapshot notify() reads (notifications/services/preferences.py).
    from notifications.services.preferences import preferences_forget

    preferences_forget(instance.user_id)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and live events"

    def ready(self) -> None:
        from notifications.models import NotificationPreference

        post_save.connect(
            _preferences_changed, sender=NotificationPreference, dispatch_uid="notify-prefs-save"
        )
        post_delete.connect(
            _preferences_changed, sender=NotificationPreference, dispatch_uid="notify-prefs-del"
        )
