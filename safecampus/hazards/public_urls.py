from django.urls import path

from safecampus.hazards import public_views

app_name = "hazard_public"

urlpatterns = [
    path("qr/", public_views.poster, name="poster"),
    path("<str:token>/", public_views.report, name="report"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
]
