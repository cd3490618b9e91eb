from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from auditlog.services import record

from . import services
from .models import ExchangeConfig, PaperAccount, PaperBalance, PaperOrder, PaperTrade


@admin.register(ExchangeConfig)
class ExchangeConfigAdmin(admin.ModelAdmin):
    """Exchange and broker accounts. Secrets are never shown here, nor decrypted: the masked key
    (a Kotak account's consumer key) and, for a broker login, only whether one is stored."""

    list_display = (
        "exchange",
        "label",
        "user",
        "mode",
        "masked_key",
        "is_enabled",
        "is_default",
        "is_validated",
        "last_validated",
        "short_error",
    )
    list_filter = ("exchange", "mode", "is_enabled", "is_validated")
    search_fields = ("user__email", "user__username", "exchange", "label", "api_key_last4")
    list_select_related = ("user",)
    readonly_fields = (
        "id",
        "user",
        "exchange",
        "masked_key",
        "broker_login",
        "is_validated",
        "last_validated",
        "last_error",
        "can_withdraw",
        "created_at",
        "updated_at",
    )
    fields = (
        "id",
        "user",
        "exchange",
        "label",
        "mode",
        "masked_key",
        "broker_login",
        "price_source",
        "is_enabled",
        "is_default",
        "is_validated",
        "last_validated",
        "last_error",
        "can_withdraw",
        "created_at",
        "updated_at",
    )
    actions = ("validate_now",)

    @admin.display(description="API key / consumer key")
    def masked_key(self, config: ExchangeConfig) -> str:
        return config.masked_key or "-"

    @admin.display(description="Broker login")
    def broker_login(self, config: ExchangeConfig) -> str:
        # Read from the columns' presence: nothing is decrypted to draw an admin page.
        if config.has_broker_login:
            return "Mobile number, UCC, MPIN and TOTP secret: stored, encrypted"
        return "-"

    @admin.display(description="Last error")
    def short_error(self, config: ExchangeConfig) -> str:
        return config.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are connected by their owners (the API), who alone know the secret

    def save_model(self, request: HttpRequest, obj: ExchangeConfig, form: object, change: bool) -> None:
        changed = list(getattr(form, "changed_data", []))
        super().save_model(request, obj, form, change)
        if changed:
            record(
                action="exchange_account.update",
                actor=request.user,
                owner=obj.user,
                resource=obj,
                request=request,
                changes={field: str(getattr(obj, field)) for field in changed},
            )

    def delete_model(self, request: HttpRequest, obj: ExchangeConfig) -> None:
        services.exchange_config_delete(config=obj, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExchangeConfig]) -> None:
        for config in queryset:
            services.exchange_config_delete(config=config, request=request)

    @admin.action(description="Validate now (connect, permissions, balance)")
    def validate_now(self, request: HttpRequest, queryset: QuerySet[ExchangeConfig]) -> None:
        ok = failed = 0
        for config in queryset:
            result = services.exchange_config_validate(config=config, request=request)
            ok, failed = (ok + 1, failed) if result.is_validated else (ok, failed + 1)
        level = messages.SUCCESS if not failed else messages.WARNING
        self.message_user(request, f"{ok} account(s) valid, {failed} failed (see Last error).", level)


class PaperBalanceInline(admin.TabularInline):
    model = PaperBalance
    fields = ("asset", "free", "locked", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # fund through `paper_account_fund`, which audits it


@admin.register(PaperAccount)
class PaperAccountAdmin(admin.ModelAdmin):
    list_display = ("config", "quote_asset", "taker_fee_rate", "maker_fee_rate", "slippage_bps", "created_at")
    search_fields = ("config__user__email", "config__label")
    list_select_related = ("config", "config__user")
    readonly_fields = ("config", "quote_asset", "created_at")
    inlines = (PaperBalanceInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with its paper ExchangeConfig


@admin.register(PaperOrder)
class PaperOrderAdmin(admin.ModelAdmin):
    """Simulated orders: read-only, they are the paper account's history."""

    list_display = (
        "created_at",
        "account",
        "symbol",
        "side",
        "type",
        "status",
        "price",
        "amount",
        "filled",
        "average",
        "fee",
        "client_order_id",
    )
    list_filter = ("status", "side", "type", "symbol")
    search_fields = ("client_order_id", "symbol", "account__config__user__email")
    list_select_related = ("account", "account__config", "account__config__user")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: PaperOrder | None = None) -> list[str]:
        return [field.name for field in PaperOrder._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PaperOrder | None = None) -> bool:
        return False


@admin.register(PaperTrade)
class PaperTradeAdmin(admin.ModelAdmin):
    list_display = ("executed_at", "order", "price", "amount", "fee", "fee_asset", "is_maker")
    list_select_related = ("order",)
    date_hierarchy = "executed_at"

    def get_readonly_fields(self, request: HttpRequest, obj: PaperTrade | None = None) -> list[str]:
        return [field.name for field in PaperTrade._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PaperTrade | None = None) -> bool:
        return False
