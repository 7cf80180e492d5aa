from django.urls import path

from safecampus.hazards import calendar_views as views

app_name = "hazard_calendar"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.node_calendar, name="node"),
    path("<int:pk>/add/", views.period_add, name="add"),
    path("<int:pk>/copy-default/", views.copy_default, name="copy_default"),
    path("<int:pk>/periods/<int:period>/edit/", views.period_edit, name="edit"),
    path("<int:pk>/periods/<int:period>/delete/", views.period_delete, name="delete"),
    path("periods/<int:pk>/", views.period, name="period"),
]
