from django.urls import path

from . import views

urlpatterns = [
    path("me", views.AccountDeleteView.as_view(), name="account-delete"),
]
