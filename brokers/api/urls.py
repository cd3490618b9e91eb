from django.urls import path

from . import views

urlpatterns = [
    path("keys", views.ExchangeConfigListView.as_view(), name="exchange-keys"),
    path("keys/<str:exchange>", views.ExchangeConfigView.as_view(), name="exchange-key"),
    path(
        "keys/<str:exchange>/validate",
        views.ExchangeConfigValidateView.as_view(),
        name="exchange-key-validate",
    ),
    path("keys/<str:exchange>/mode", views.ExchangeConfigModeView.as_view(), name="exchange-key-mode"),
    path("exchanges", views.ExchangeCatalogView.as_view(), name="exchanges"),
    path("markets/<str:exchange>", views.MarketListView.as_view(), name="markets"),
    path("markets/<str:exchange>/<str:symbol>", views.MarketDetailView.as_view(), name="market"),
    path("simulator/prices/<str:symbol>", views.SimulatorPriceView.as_view(), name="simulator-price"),
    path("simulator/state", views.SimulatorStateView.as_view(), name="simulator-state"),
]
