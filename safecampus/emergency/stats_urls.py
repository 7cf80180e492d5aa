"""Pages of emergency stats; included at "emergency/stats/" in config/urls.py."""

from django.urls import path

from safecampus.emergency import stats_views as views

app_name = "stats"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.node_stats, name="node"),
]
