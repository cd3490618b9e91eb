"""Accounts API (reference/api.md, "Accounts"): thin views over accounts.services."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import services
from accounts.models import ROLE_RANK, User, UserSession
from accounts.permissions import ReadManagerWriteAdmin
from accounts.sessions import SESSION_CLAIM, SessionEnded, TokenPair, session_refresh
from config.api.throttles import LoginThrottle, PasswordResetThrottle, PerIPThrottle, RegisterThrottle

from . import serializers as s


def _auth_result(pair: TokenPair) -> Response:
    body = {"user": s.UserSerializer(pair.session.user).data, "access": pair.access, "refresh": pair.refresh}
    return Response(body)


def _current_session_id(request: Request) -> str | None:
    return request.auth.get(SESSION_CLAIM) if request.auth is not None else None


def _token_error(exc: Exception) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(str(exc) or "Token is invalid or expired.", code="token_not_valid")


class PublicView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        # Keeps wrong credentials a 401 (DRF turns 401 into 403 without a challenge header).
        return 'Bearer realm="api"'


# The one answer to a registration, whether the address was new or already had an account.
REGISTERED = (
    "Registration received. If this e-mail address is new, your account is ready: log in with it. "
    "Either way we have sent a message to the address."
)


class RegisterView(PublicView):
    throttle_classes = (RegisterThrottle, PerIPThrottle)

    @extend_schema(
        request=s.RegisterSerializer,
        responses={202: s.DetailSerializer},
        summary="Register (the same 202 whether or not the e-mail already has an account)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.RegisterSerializer, request)
        try:
            services.user_register(**data, request=request)
        except services.RegistrationClosed as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response({"detail": REGISTERED}, status=status.HTTP_202_ACCEPTED)


class LoginView(PublicView):
    throttle_classes = (LoginThrottle, PerIPThrottle)

    @extend_schema(
        request=s.LoginSerializer,
        responses={
            200: s.AuthResultSerializer,
            401: OpenApiResponse(description="Wrong credentials"),
            429: OpenApiResponse(description="Locked out; see Retry-After"),
        },
        summary="Log in with e-mail and password",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.LoginSerializer, request)
        try:
            pair = services.user_login(email=data["email"], password=data["password"], request=request)
        except services.LoginLocked as exc:
            raise exceptions.Throttled(
                wait=exc.retry_after, detail="Too many failed logins for this account."
            ) from exc
        except services.InvalidCredentials as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return _auth_result(pair)


class RefreshView(PublicView):
    @extend_schema(
        request=s.RefreshSerializer,
        responses={200: s.TokenPairSerializer},
        summary="Rotate a refresh token (the old one stops working)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.RefreshSerializer, request)
        try:
            pair = session_refresh(raw_refresh=data["refresh"], request=request)
        except (TokenError, SessionEnded) as exc:
            raise _token_error(exc) from exc
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(APIView):
    @extend_schema(request=s.RefreshSerializer, responses={204: None}, summary="Log out (ends this session)")
    def post(self, request: Request) -> Response:
        data = _valid(s.RefreshSerializer, request)
        try:
            services.user_logout(user=request.user, raw_refresh=data["refresh"], request=request)
        except (TokenError, SessionEnded) as exc:
            raise exceptions.ValidationError({"refresh": [str(exc)]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class ForgotPasswordView(PublicView):
    throttle_classes = (PasswordResetThrottle, PerIPThrottle)

    @extend_schema(
        request=s.ForgotPasswordSerializer,
        responses={202: None},
        summary="E-mail a password reset link (always 202)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ForgotPasswordSerializer, request)
        services.password_reset_request(email=data["email"], request=request)
        return Response(
            {"detail": "If an account exists for this e-mail, a reset link is on its way."},
            status=status.HTTP_202_ACCEPTED,
        )


class ResetPasswordView(PublicView):
    throttle_classes = (PasswordResetThrottle, PerIPThrottle)

    @extend_schema(
        request=s.ResetPasswordSerializer,
        responses={200: None},
        summary="Set a new password with a reset token (ends all sessions)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ResetPasswordSerializer, request)
        services.password_reset_confirm(
            token=data["token"], new_password=data["new_password"], request=request
        )
        return Response({"detail": "Password changed. Log in with the new password."})


class MeView(APIView):
    @extend_schema(responses={200: s.UserSerializer}, summary="The logged-in user")
    def get(self, request: Request) -> Response:
        return Response(s.UserSerializer(request.user).data)

    @extend_schema(
        request=s.ProfileUpdateSerializer,
        responses={200: s.UserSerializer},
        summary="Change username or e-mail (e-mail needs current_password)",
    )
    def patch(self, request: Request) -> Response:
        data = _valid(s.ProfileUpdateSerializer, request)
        user = services.profile_update(
            user=request.user,
            username=data.get("username"),
            email=data.get("email"),
            current_password=data.get("current_password"),
            request=request,
        )
        return Response(s.UserSerializer(user).data)


class ChangePasswordView(APIView):
    @extend_schema(
        request=s.ChangePasswordSerializer,
        responses={200: None},
        summary="Change password (your other sessions end)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ChangePasswordSerializer, request)
        keep = UserSession.objects.filter(pk=_current_session_id(request)).first()
        ended = services.password_change(user=request.user, keep=keep, request=request, **data)
        return Response({"detail": "Password changed.", "other_sessions_ended": ended})


class SessionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your active sessions; DELETE ends one (its tokens stop working at once)."""

    serializer_class = s.SessionSerializer
    permission_classes = (IsAuthenticated,)

    def get_queryset(self) -> QuerySet[UserSession]:
        from django.utils import timezone

        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return UserSession.objects.none()
        return UserSession.objects.filter(
            user=self.request.user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "current_session_id": _current_session_id(self.request)}

    def perform_destroy(self, instance: UserSession) -> None:
        services.session_end(user=self.request.user, session=instance, request=self.request)


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=[(r, r) for r in ROLE_RANK])
    is_active = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", label="E-mail or username contains")

    class Meta:
        model = User
        fields = ("role", "is_active")

    def filter_search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(Q(email__icontains=value) | Q(username__icontains=value))


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Users: managers and admins read; admins change role and is_active."""

    queryset = User.objects.order_by("created_at")
    serializer_class = s.UserSerializer
    permission_classes = (ReadManagerWriteAdmin,)
    filterset_class = UserFilter

    @extend_schema(
        request=s.UserAdminUpdateSerializer,
        responses={200: s.UserSerializer},
        summary="Change a user's role or is_active (admin)",
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        data = _valid(s.UserAdminUpdateSerializer, request)
        user = services.user_update_by_admin(
            admin=request.user,
            target=target,
            role=data.get("role"),
            is_active=data.get("is_active"),
            request=request,
        )
        return Response(s.UserSerializer(user).data)


def _valid(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
