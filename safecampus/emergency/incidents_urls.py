"""Pages of emergency incidents; included at "emergency/incidents/" in config/urls.py."""

app_name = "incidents"

urlpatterns: list = []
