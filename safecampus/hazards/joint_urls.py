"""The department records of a joint inspection; included at "hazards/joint/" in config/urls.py."""

from django.urls import path

from safecampus.hazards import joint_views

app_name = "hazard_joint"

urlpatterns = [
    path("departments/", joint_views.department_options, name="departments"),
    path("<int:pk>/", joint_views.report, name="report"),
    path("<int:pk>/pdf/", joint_views.report_pdf, name="pdf"),
    path("<int:pk>/xlsx/", joint_views.report_xlsx, name="xlsx"),
]
