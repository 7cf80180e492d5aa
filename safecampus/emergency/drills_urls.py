"""Pages of emergency drills; included at "emergency/drills/" in config/urls.py."""

app_name = "drills"

urlpatterns: list = []
