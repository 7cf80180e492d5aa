from django.urls import path

from safecampus.orgs import import_views, pickers, views

app_name = "orgs"

urlpatterns = [
    *views.urlpatterns,
    *import_views.urlpatterns,
    path("pick/<str:token>/", pickers.pick, name="pick"),
]
