"""Pages of compliance; included at "compliance/" in config/urls.py."""

from django.urls import path

from safecampus.compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("region/<int:pk>/", views.region, name="region"),
    path("region/<int:pk>/history/", views.history, name="history"),
    path("school/<int:pk>/", views.school, name="school"),
    path("verdict/<str:code>/<int:pk>/", views.verdict, name="verdict"),
    path("rules/", views.rules_home, name="rules"),
    path("rules/<int:pk>/", views.rules_node, name="rules-node"),
    path("rules/<int:pk>/<str:code>/", views.rule, name="rule"),
    path("overrides/<int:pk>/", views.override, name="override"),
    path("overrides/<int:pk>/cancel/", views.override_cancel, name="override-cancel"),
    path("awards/", views.AwardListView.as_view(), name="awards"),
    path("awards/new/", views.award_new, name="award-new"),
    path("awards/<int:pk>/", views.award, name="award"),
    path("awards/<int:pk>/revoke/", views.award_revoke, name="award-revoke"),
]
