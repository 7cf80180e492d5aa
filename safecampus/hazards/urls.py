app_name = "hazards"

urlpatterns: list = []
