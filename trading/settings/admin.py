"""Django admin for users' trading configurations. Saving goes through the same service as the
API, so the admin form meets the same rules and every change is audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from trading.settings import presets, validation
from trading.settings import services as svc
from trading.settings.models import UserTradingConfig


class UserTradingConfigForm(forms.ModelForm):
    class Meta:
        model = UserTradingConfig
        fields = presets.FIELD_NAMES

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            # Raises one ValidationError naming every field; the form shows each next to its field.
            validation.trading_config_clean(fields={name: cleaned.get(name) for name in presets.FIELD_NAMES})
        return cleaned


@admin.register(UserTradingConfig)
class UserTradingConfigAdmin(admin.ModelAdmin):
    form = UserTradingConfigForm
    list_display = (
        "user",
        "max_open_groups",
        "user_capital",
        "auto_trading_enabled",
        "risk_engine_enabled",
        "updated_at",
    )
    list_filter = ("auto_trading_enabled", "risk_engine_enabled", "ml_enabled", "default_order_type")
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at", "updated_at")
    actions = ("reset_to_defaults",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with the defaults on the user's first read

    def save_model(
        self, request: HttpRequest, obj: UserTradingConfig, form: forms.ModelForm, change: bool
    ) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in presets.FIELD_NAMES}
        svc.trading_config_update(
            user=obj.user, fields=fields, partial=True, actor=request.user, request=request
        )

    @admin.action(description="Reset to defaults (Moderate)")
    def reset_to_defaults(self, request: HttpRequest, queryset: QuerySet[UserTradingConfig]) -> None:
        for config in queryset.select_related("user"):
            svc.trading_config_reset(user=config.user, actor=request.user, request=request)
        self.message_user(request, f"Reset {queryset.count()} configuration(s).", messages.SUCCESS)
