"""Pages of the spot-checks of closed hazards; included at "hazards/spotchecks/"."""

from django.urls import path

from safecampus.hazards import spotcheck_views as v

app_name = "spotchecks"

urlpatterns: list = [
    path("", v.SampleListView.as_view(), name="list"),
    path("new/", v.sample_new, name="new"),
    path("<int:pk>/", v.sample_detail, name="sample"),
    path("<int:pk>/candidates.xlsx", v.sample_population, name="population"),
    path("<int:pk>/cancel/", v.sample_cancel, name="cancel"),
    path("checks/", v.CheckListView.as_view(), name="checks"),
    path("mine/", v.my_checks, name="mine"),
    path("checks/<int:pk>/", v.check_detail, name="check"),
    path("checks/<int:pk>/reassign/", v.check_reassign, name="reassign"),
]
