"""Market data in Django admin: tracked series with their gaps and last error, a "refresh now"
action, a CSV upload form, and the stored candles (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from auditlog.services import record
from brokers.errors import BrokerError

from . import services
from .models import CalendarKind, CandleInterval, MarketCandle, TrackedSeries
from .serializers import MAX_UPLOAD_BYTES


class CsvUploadForm(forms.Form):
    symbol = forms.RegexField(r"^[A-Za-z0-9][A-Za-z0-9.&/_^=-]{0,39}$", help_text="e.g. RELIANCE")
    interval = forms.ChoiceField(choices=CandleInterval.choices, initial=CandleInterval.DAY_1)
    calendar = forms.ChoiceField(choices=CalendarKind.choices, initial=CalendarKind.NSE)
    file = forms.FileField(help_text="Columns: date or timestamp, open, high, low, close[, volume]")


@admin.register(TrackedSeries)
class TrackedSeriesAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "symbol",
        "interval",
        "calendar",
        "is_active",
        "last_refreshed",
        "gap_count",
        "short_error",
    )
    list_filter = ("source", "interval", "calendar", "is_active")
    search_fields = ("symbol",)
    readonly_fields = ("last_refreshed", "last_error", "gap_count", "gaps", "created_at")
    actions = ("refresh_now",)

    @admin.display(description="Last error")
    def short_error(self, series: TrackedSeries) -> str:
        return series.last_error[:80]

    @admin.action(description="Refresh now (fetch from the last candle, check gaps)")
    def refresh_now(self, request: HttpRequest, queryset: QuerySet[TrackedSeries]) -> None:
        for series in queryset:
            try:
                result = services.series_refresh(series=series)
            except BrokerError as exc:
                self.message_user(request, f"{series}: {exc.message}", messages.ERROR)
                continue
            record(action="marketdata.refresh", actor=request.user, resource=series, request=request)
            self.message_user(
                request,
                f"{series}: {result.stored} candle(s) stored, {len(result.gaps)} gap(s).",
                messages.SUCCESS,
            )

    def get_urls(self) -> list:
        upload = path(
            "upload/", self.admin_site.admin_view(self.upload_view), name="brokers_trackedseries_upload"
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if data["file"].size > MAX_UPLOAD_BYTES:
                form.add_error("file", "The file is too large; split it.")
            else:
                try:
                    series, stored = services.csv_upload(
                        data=data["file"].read(),
                        symbol=data["symbol"],
                        interval=data["interval"],
                        calendar=data["calendar"],
                        actor=request.user,
                        request=request,
                    )
                except ValidationError as exc:
                    for message in exc.message_dict.get("file", exc.messages):
                        form.add_error("file", message)
                else:
                    self.message_user(
                        request, f"{series}: {stored} candle(s) stored, {series.gap_count} gap(s)."
                    )
                    return redirect(reverse("admin:brokers_trackedseries_change", args=[series.pk]))
        context = {**self.admin_site.each_context(request), "title": "Upload candles (CSV)", "form": form}
        return TemplateResponse(request, "admin/brokers/marketdata_upload.html", context)


@admin.register(MarketCandle)
class MarketCandleAdmin(admin.ModelAdmin):
    """Stored candles, read-only: they change only through refreshes and uploads."""

    list_display = ("source", "symbol", "interval", "opened_at", "open", "high", "low", "close", "volume")
    list_filter = ("source", "interval")
    search_fields = ("symbol",)
    date_hierarchy = "opened_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
