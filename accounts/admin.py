from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from auditlog.services import record

from .models import User, UserSession
from .sessions import session_revoke, sessions_revoke_all


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
    list_display = ("email", "username", "role", "is_active", "created_at", "last_login")
    list_filter = ("role", "is_active", "created_at", "last_login")
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

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values("role", "is_active").first() if change else None
        if not change:
            obj.set_webhook_secret()
        super().save_model(request, obj, form, change)
        changes = {
            key: {"before": before[key], "after": getattr(obj, key)}
            for key in ("role", "is_active")
            if before and before[key] != getattr(obj, key)
        }
        if before and not obj.is_active and before["is_active"]:
            changes["sessions_ended"] = sessions_revoke_all(user=obj, reason="deactivated")
        action = "user.create" if not change else ("user.role_change" if "role" in changes else "user.update")
        if not change or changes:
            record(
                action=action,
                actor=request.user,
                owner=obj,
                resource=obj,
                request=request,
                changes=changes or {"email": obj.email, "role": obj.role},
            )

    @admin.action(description="End all sessions of the selected users")
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ended = sum(sessions_revoke_all(user=user, reason="ended_by_admin") for user in queryset)
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
