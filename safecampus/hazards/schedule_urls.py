from django.urls import path

from safecampus.hazards import schedule_views as views

app_name = "hazard_schedules"

urlpatterns = [
    path("", views.ScheduleListView.as_view(), name="list"),
    path("add/", views.schedule_add, name="add"),
    path("standard/", views.schedule_standard, name="standard"),
    path("<int:pk>/", views.schedule_detail, name="detail"),
    path("<int:pk>/edit/", views.schedule_edit, name="edit"),
    path("<int:pk>/end/", views.schedule_end, name="end"),
]
