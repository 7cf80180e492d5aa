"""Pages of emergency stats; included at "emergency/stats/" in config/urls.py."""

app_name = "stats"

urlpatterns: list = []
