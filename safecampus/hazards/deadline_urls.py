from django.urls import path

from safecampus.hazards import deadline_views as views

app_name = "hazard_deadlines"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.node_policy, name="node"),
    path("<int:pk>/remove/", views.policy_remove, name="remove"),
    path("policies/<int:pk>/", views.policy, name="policy"),
]
