"""The one server-rendered account page: where the password-reset e-mail's link lands."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from . import services


@never_cache
@csrf_protect
@sensitive_post_parameters("new_password", "confirm")
def reset_password_page(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token") or request.GET.get("token", "")
    context: dict[str, object] = {"token": token, "errors": [], "done": False}
    if request.method == "POST":
        new_password = request.POST.get("new_password", "")
        if new_password != request.POST.get("confirm", ""):
            context["errors"] = ["The two passwords differ."]
        else:
            try:
                services.password_reset_confirm(token=token, new_password=new_password, request=request)
                context["done"] = True
            except ValidationError as exc:
                context["errors"] = [m for messages in exc.message_dict.values() for m in messages]
    status = 400 if context["errors"] else 200
    return render(request, "accounts/reset_password.html", context, status=status)
