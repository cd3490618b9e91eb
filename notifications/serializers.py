"""Shapes of the notifications API (notifications/api.py). Preferences are validated by their
service (notifications/services/preferences.py), which reports every field at once with dotted
names (`types.leg_filled`); the serializers here describe them for the schema and the reader."""

from __future__ import annotations

from rest_framework import serializers

from notifications import types as catalogue
from notifications.models import Channel, Level, Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "type", "level", "title", "message", "link", "data", "read_at", "created_at")
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(
        help_text="Unread notifications (at most 1000: 1000 means 1000 or more)"
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are read now")


class ChannelSwitchesSerializer(serializers.Serializer):
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    telegram = serializers.BooleanField()


class MinLevelSerializer(serializers.Serializer):
    in_app = serializers.ChoiceField(choices=Level.choices)
    email = serializers.ChoiceField(choices=Level.choices)
    telegram = serializers.ChoiceField(choices=Level.choices)


class CatalogueEntrySerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    category = serializers.ChoiceField(choices=catalogue.CATEGORIES)
    default_level = serializers.ChoiceField(choices=Level.choices)
    admin_only = serializers.BooleanField()


class PreferencesInputSerializer(serializers.Serializer):
    email_enabled = serializers.BooleanField(required=False)
    email_address = serializers.EmailField(required=False, allow_blank=True, help_text="Blank: the account's")
    telegram_enabled = serializers.BooleanField(required=False, help_text="Needs a linked chat")
    telegram_chat_id = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="Set by the link flow; null unlinks, anything else is refused",
    )
    types = serializers.DictField(
        child=ChannelSwitchesSerializer(), required=False, help_text="{type: {in_app, email, telegram}}"
    )
    min_level = MinLevelSerializer(required=False)
    quiet_hours_start = serializers.CharField(
        required=False, allow_null=True, help_text='"22:00", local time'
    )
    quiet_hours_end = serializers.CharField(required=False, allow_null=True, help_text='"07:00", local time')
    timezone = serializers.CharField(required=False, help_text="IANA name, e.g. Asia/Kolkata")
    critical_through_quiet = serializers.BooleanField(required=False)
    daily_summary_time = serializers.CharField(required=False, allow_null=True, help_text='"18:30" or null')


class PreferencesSerializer(PreferencesInputSerializer):
    catalogue = CatalogueEntrySerializer(many=True, help_text="Every type a user may switch, in order")


class TestRequestSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)


class TestResultSerializer(serializers.Serializer):
    sent = serializers.BooleanField()


class TelegramLinkSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Send `/start <code>` to the bot within expires_at")
    expires_at = serializers.DateTimeField()
    bot_url = serializers.URLField(allow_null=True, help_text="https://t.me/<bot>?start=<code>, when known")
