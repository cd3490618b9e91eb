from django.urls import path

from . import candles

urlpatterns = [
    path("candles", candles.LiveCandlesView.as_view(), name="market-candles"),
]
