"""The exchange simulator's page in Django admin: its markets and prices, accounts, faults, and a
form to set a price. Reads and writes through the same control client as the API."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from .services_simulator import simulator_control, simulator_price_set
from .simulator import SimulatorControlError


def simulator_state_view(request: HttpRequest) -> HttpResponse:
    control = simulator_control()
    if request.method == "POST":
        symbol = request.POST.get("symbol", "")
        try:
            price = Decimal(request.POST.get("price", ""))
            if price <= 0:
                raise InvalidOperation
            applied = simulator_price_set(symbol=symbol, price=price, actor=request.user, request=request)
            messages.success(request, f"{symbol} set to {applied.get('price', price)}.")
        except InvalidOperation:
            messages.error(request, "Enter a positive price.")
        except SimulatorControlError as exc:
            messages.error(request, f"The simulator refused: {exc.detail}")
        return redirect(request.path)
    context = {**admin.site.each_context(request), "title": "Exchange simulator", "state": None, "error": ""}
    try:
        context["state"] = control.state()
    except SimulatorControlError as exc:
        context["error"] = exc.detail
    return TemplateResponse(request, "admin/brokers/simulator.html", context)


def simulator_urls() -> list:
    return [path("brokers/simulator/", admin.site.admin_view(simulator_state_view), name="brokers-simulator")]
