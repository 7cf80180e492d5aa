from django.urls import path

from safecampus.hazards import ledger_import_views

app_name = "hazard_import"

urlpatterns = [
    path("", ledger_import_views.import_ledger, name="ledger"),
    path("template.xlsx", ledger_import_views.template, name="template"),
]
