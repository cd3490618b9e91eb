from django.urls import path

from . import views
from . import views_equities as equities

urlpatterns = [
    path("keys", views.ExchangeConfigListView.as_view(), name="exchange-keys"),
    path("keys/<str:exchange>", views.ExchangeConfigView.as_view(), name="exchange-key"),
    path(
        "keys/<str:exchange>/validate",
        views.ExchangeConfigValidateView.as_view(),
        name="exchange-key-validate",
    ),
    path("keys/<str:exchange>/mode", views.ExchangeConfigModeView.as_view(), name="exchange-key-mode"),
    path("keys/<str:exchange>/holdings", equities.EquitiesHoldingsView.as_view(), name="equities-holdings"),
    path(
        "keys/<str:exchange>/positions", equities.EquitiesPositionsView.as_view(), name="equities-positions"
    ),
    path("keys/<str:exchange>/funds", equities.EquitiesFundsView.as_view(), name="equities-funds"),
    path("keys/<str:exchange>/orders", equities.EquitiesOrdersView.as_view(), name="equities-orders"),
    path("exchanges", views.ExchangeCatalogView.as_view(), name="exchanges"),
    path("markets/<str:exchange>", views.MarketListView.as_view(), name="markets"),
    path("markets/<str:exchange>/<str:symbol>", views.MarketDetailView.as_view(), name="market"),
    path("simulator/prices/<str:symbol>", views.SimulatorPriceView.as_view(), name="simulator-price"),
    path("simulator/state", views.SimulatorStateView.as_view(), name="simulator-state"),
]
