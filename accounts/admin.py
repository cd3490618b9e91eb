from __future__ import annotations

from importlib import import_module

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from auditlog.services import record

from .models import User, UserSession
from .services import WEBHOOK_REVOKED, sessions_end_all, webhook_secret_revoke_on_demotion
from .sessions import session_revoke, sessions_revoke_all

# Changes to these fields appear in the audit trail with before and after values.
AUDITED_FIELDS = ("email", "username", "role", "is_active")


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "username", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "username", "role", "is_active")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "username", "role", "is_active", "created_at", "last_login", "erase_after")
    list_filter = ("role", "is_active", "created_at", "last_login", "deleted_at")
    search_fields = ("email", "username", "id")
    ordering = ("-created_at",)
    readonly_fields = ("id", "created_at", "last_login", "webhook_secret_rotated_at")
    fieldsets = (
        (None, {"fields": ("id", "email", "username", "password")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Activity", {"fields": ("created_at", "last_login", "webhook_secret_rotated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "role", "password1", "password2")}),
    )
    filter_horizontal = ()
    actions = ("end_all_sessions",)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            # An admin who demotes or deactivates themself locks themself out of this very page.
            fields += ("role", "is_active")
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values(*AUDITED_FIELDS).first() if change else None
        if not change:
            obj.set_webhook_secret()
        super().save_model(request, obj, form, change)
        if not change:
            record(
                action="user.create",
                actor=request.user,
                owner=obj,
                resource=obj,
                request=request,
                changes={"email": obj.email, "username": obj.username, "role": obj.role},
            )
            return
        changes = {
            key: {"before": before[key], "after": getattr(obj, key)}
            for key in AUDITED_FIELDS
            if before and before[key] != getattr(obj, key)
        }
        if not changes:
            return
        role_before = changes["role"]["before"] if "role" in changes else None
        if role_before and webhook_secret_revoke_on_demotion(user=obj, before=role_before):
            obj.save(update_fields=["webhook_secret_encrypted", "webhook_secret_rotated_at"])
            changes["webhook"] = WEBHOOK_REVOKED
        if before and not obj.is_active and before["is_active"]:
            changes["sessions_ended"] = sessions_revoke_all(user=obj, reason="deactivated")
        action = "user.role_change" if "role" in changes else "user.update"
        record(action=action, actor=request.user, owner=obj, resource=obj, request=request, changes=changes)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the form was valid and saved
            sessions_end_all(
                user=User.objects.get(pk=id),
                action="auth.password_set",
                reason="password_set_by_admin",
                actor=request.user,
                request=request,
            )
        return response

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        record(
            action="user.delete",
            actor=request.user,
            resource=obj,
            request=request,
            changes={"email": obj.email, "username": obj.username, "role": obj.role},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            self.delete_model(request, user)

    @admin.action(description="End all sessions of the selected users")
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ended = sum(
            sessions_end_all(
                user=user,
                action="auth.sessions_end_all",
                reason="ended_by_admin",
                actor=request.user,
                request=request,
            )
            for user in queryset
        )
        self.message_user(request, f"{ended} session(s) ended.", messages.SUCCESS)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "ip",
        "short_user_agent",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "created_at")
    search_fields = ("user__email", "user__username", "ip", "user_agent")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in UserSession._meta.fields]
    actions = ("revoke",)

    @admin.display(description="User agent")
    def short_user_agent(self, session: UserSession) -> str:
        return session.user_agent[:60]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: UserSession | None = None) -> bool:
        return False  # revoke instead: a deleted row would hide that the session ever existed

    @admin.action(description="Revoke the selected sessions")
    def revoke(self, request: HttpRequest, queryset: QuerySet[UserSession]) -> None:
        ended = 0
        for session in queryset:
            if session_revoke(session=session, reason="revoked_by_admin"):
                ended += 1
                record(
                    action="auth.session_revoke",
                    actor=request.user,
                    owner=session.user,
                    resource=session,
                    request=request,
                )
        self.message_user(request, f"{ended} session(s) revoked.", messages.SUCCESS)


# Roles replace Django's groups here, and the JWT blacklist tables hold whole refresh tokens:
# neither belongs in front of admins (sessions are managed under User sessions).
# (This app's admin loads before simplejwt's, so import that first for there to be a registration.)
import_module("rest_framework_simplejwt.token_blacklist.admin")
for model in (Group, OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
