"""Notices and warnings of a hazard; included at "hazards/docs/" in config/urls.py."""

from django.urls import path

from safecampus.hazards import document_views

app_name = "hazard_docs"

urlpatterns = [
    path("<int:pk>/issue/<slug:step>/", document_views.issue, name="issue"),
    path("<int:pk>/<int:escalation>/", document_views.download, name="document"),
]
