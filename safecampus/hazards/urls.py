from django.urls import path

from safecampus.hazards import views

app_name = "hazards"

urlpatterns: list = [
    path("", views.LedgerView.as_view(), name="ledger"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.hazard_detail, name="hazard"),
    path("<int:pk>/move/<slug:action>/", views.hazard_move, name="move"),
    path("inspect/", views.inspect, name="inspect"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("spots/", views.SpotListView.as_view(), name="spots"),
    path("spots/add/", views.spot_add, name="spot_add"),
    path("spots/sheet/", views.spot_sheet, name="spot_sheet"),
    path("spots/options/", views.spot_options, name="spot_options"),
    path("spots/<int:pk>/", views.spot_detail, name="spot"),
    path("spots/<int:pk>/edit/", views.spot_edit, name="spot_edit"),
    path("spots/<int:pk>/active/", views.spot_active, name="spot_active"),
    path("s/<uuid:token>/", views.spot_check, name="spot_check"),
]
