"""Pages of emergency plans; included at "emergency/plans/" in config/urls.py."""

app_name = "plans"

urlpatterns: list = []
