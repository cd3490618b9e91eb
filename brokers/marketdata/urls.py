from django.urls import path

from . import api

urlpatterns = [
    path("series", api.SeriesListView.as_view(), name="marketdata-series"),
    path("series/<int:pk>/refresh", api.SeriesRefreshView.as_view(), name="marketdata-series-refresh"),
    path("candles", api.CandleListView.as_view(), name="marketdata-candles"),
    path("upload", api.CsvUploadView.as_view(), name="marketdata-upload"),
]
