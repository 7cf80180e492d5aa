"""Pages of emergency incidents; included at "emergency/incidents/" in config/urls.py."""

from django.urls import path

from safecampus.emergency import incidents_views as views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="list"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/entries/", views.add_entry, name="add_entry"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("policy/", views.policy_home, name="policy_home"),
    path("policy/<int:pk>/", views.policy, name="policy"),
    path("policy/<int:pk>/remove/", views.policy_remove, name="policy_remove"),
    path("policies/<int:pk>/", views.policy_record, name="policy_record"),
]
