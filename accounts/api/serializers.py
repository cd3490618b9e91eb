from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from accounts.emails import normalize_email
from accounts.models import ROLE_RANK, User, UserSession


class EmailAddressField(serializers.EmailField):
    """An e-mail address in its normal form (accounts/emails.py), checked after normalising: an
    address typed in full-width letters (an East Asian keyboard's) is the ASCII one it stands for."""

    def to_internal_value(self, data: object) -> str:
        if isinstance(data, str):
            data = normalize_email(data)
        return super().to_internal_value(data)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "username", "role", "is_active", "created_at", "last_login")
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = EmailAddressField(max_length=254)
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class LoginSerializer(serializers.Serializer):
    email = EmailAddressField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthResultSerializer(TokenPairSerializer):
    user = UserSerializer()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ForgotPasswordSerializer(serializers.Serializer):
    email = EmailAddressField(max_length=254)


class ResetPasswordSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=400)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class ChangePasswordSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class ProfileUpdateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, required=False, validators=[UnicodeUsernameValidator()])
    email = EmailAddressField(max_length=254, required=False)
    current_password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = (
            "id",
            "ip",
            "user_agent",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "current",
        )
        read_only_fields = fields

    def get_current(self, session: UserSession) -> bool:
        return str(session.pk) == str(self.context.get("current_session_id"))


class UserAdminUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=list(ROLE_RANK), required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Send role and/or is_active.")
        return attrs
