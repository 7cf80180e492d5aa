"""Pages of the three-defense and staffing inventory; included at "defense/"."""

from django.urls import path

from safecampus.defense import views as v

app_name = "defense"

urlpatterns = [
    path("", v.overview, name="overview"),
    path("edit/", v.edit, name="edit"),
    path("<int:pk>/", v.school_page, name="school"),
    path("<int:pk>/verify/", v.verify, name="verify"),
]
