"""The Kotak Neo simulator's page in Django admin: market state, its symbols' prices, accounts
(no secrets), faults, and a form to set a price. Reads and writes through the simulator's control
API at KOTAK_SIMULATOR_URL; every price set is audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from auditlog.services import record

from .kotak_simulator import KotakSimulatorControl, KotakSimulatorControlError


def kotak_simulator_control() -> KotakSimulatorControl:
    return KotakSimulatorControl(settings.KOTAK_SIMULATOR_URL, settings.KOTAK_SIMULATOR_CONTROL_TOKEN)


def kotak_simulator_view(request: HttpRequest) -> HttpResponse:
    control = kotak_simulator_control()
    if request.method == "POST":
        symbol = request.POST.get("symbol", "").strip().upper()
        try:
            price = Decimal(request.POST.get("price", ""))
            if not price.is_finite() or price <= 0:
                raise InvalidOperation
            applied = control.set_price(symbol, price)
            record(
                action="kotak_simulator.price_set",
                actor=request.user,
                resource_type="kotak_simulator",
                resource_id=symbol,
                request=request,
                changes={"symbol": symbol, "price": str(price)},
            )
            messages.success(request, f"{applied['symbol']} set to {applied['price']}.")
        except InvalidOperation:
            messages.error(request, "Enter a positive price.")
        except KotakSimulatorControlError as exc:
            messages.error(request, f"The Kotak simulator refused: {exc.detail}")
        return redirect(request.path)
    context = {**admin.site.each_context(request), "title": "Kotak Neo simulator", "state": None, "error": ""}
    try:
        context["state"] = control.state()
    except KotakSimulatorControlError as exc:
        context["error"] = exc.detail
    return TemplateResponse(request, "admin/brokers/kotak_simulator.html", context)


def kotak_simulator_urls() -> list:
    return [
        path(
            "brokers/kotak-simulator/",
            admin.site.admin_view(kotak_simulator_view),
            name="brokers-kotak-simulator",
        )
    ]
