"""Pages of emergency drills; included at "emergency/drills/" in config/urls.py."""

from django.urls import path

from safecampus.emergency import drills_views as v

app_name = "drills"

urlpatterns = [
    path("", v.DrillListView.as_view(), name="list"),
    path("calendar/", v.calendar, name="calendar"),
    path("plan/", v.plan, name="plan"),
    path("record/", v.record, name="record"),
    path("compliance/", v.compliance_region, name="compliance"),
    path("compliance/<int:pk>/", v.compliance_school, name="school"),
    path("<int:pk>/", v.drill_detail, name="drill"),
    path("<int:pk>/record/", v.record, name="record_planned"),
    path("<int:pk>/edit/", v.edit, name="edit"),
    path("<int:pk>/cancel/", v.cancel, name="cancel"),
    path("<int:pk>/sign/", v.sign_off, name="sign_off"),
    path("<int:pk>/photos/", v.add_photos, name="photos"),
    path("<int:pk>/problems/", v.problem_add, name="problem_add"),
    path("<int:pk>/problems/<int:problem_pk>/hazard/", v.problem_hazard, name="problem_hazard"),
    path("<int:pk>/problems/<int:problem_pk>/done/", v.problem_done, name="problem_done"),
    path("<int:pk>/report.pdf", v.report_pdf, name="report_pdf"),
]
