from django.urls import path

from safecampus.hazards import followup_views

app_name = "hazard_followup"

urlpatterns = [
    path("rechecks/", followup_views.rechecks, name="rechecks"),
    path("rechecks/<int:pk>/", followup_views.recheck, name="recheck"),
    path("sweep/", followup_views.sweep, name="sweep"),
]
