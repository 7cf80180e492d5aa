"""Pages of training and appointments; included at "training/" in config/urls.py."""

from django.urls import path

from safecampus.training import views as v

app_name = "training"

urlpatterns = [
    path("", v.SessionListView.as_view(), name="list"),
    path("new/", v.session_new, name="new"),
    path("overview/", v.overview_page, name="overview"),
    path("appointments/", v.appointments, name="appointments"),
    path("appointments/add/", v.appointment_add, name="appointment_add"),
    path("appointments/<int:pk>/edit/", v.appointment_edit, name="appointment_edit"),
    path("appointments/<int:pk>/end/", v.appointment_end, name="appointment_end"),
    path("<int:pk>/", v.session_detail, name="detail"),
    path("<int:pk>/edit/", v.session_edit, name="edit"),
    path("<int:pk>/delete/", v.session_delete, name="delete"),
    path("<int:pk>/attendance/<int:row>/remove/", v.attendance_remove, name="attendance_remove"),
]
