"""Pages of emergency plans; included at "emergency/plans/" in config/urls.py."""

from django.urls import path

from safecampus.emergency import plans_views as v

app_name = "plans"

urlpatterns = [
    path("", v.PlanListView.as_view(), name="list"),
    path("gaps/", v.GapListView.as_view(), name="gaps"),
    path("add/", v.plan_add, name="add"),
    path("org/<int:pk>/", v.org_plans, name="org"),
    path("<int:pk>/", v.plan_detail, name="detail"),
    path("<int:pk>/edit/", v.plan_edit, name="edit"),
    path("<int:pk>/approve/", v.plan_approve, name="approve"),
    path("<int:pk>/new-edition/", v.plan_new_edition, name="new_edition"),
    path("<int:pk>/retire/", v.plan_retire, name="retire"),
]
