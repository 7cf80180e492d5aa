from django.urls import path

from safecampus.hazards import dashboard_views as views

app_name = "hazard_dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.node_dashboard, name="node"),
]
