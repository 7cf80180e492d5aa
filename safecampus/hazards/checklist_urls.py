from django.urls import path

from safecampus.hazards import checklist_views as views

app_name = "hazard_checklists"

urlpatterns = [
    path("", views.TemplateListView.as_view(), name="list"),
    path("add/", views.checklist_add, name="add"),
    path("<int:pk>/", views.checklist_detail, name="detail"),
    path("<int:pk>/edit/", views.checklist_edit, name="edit"),
    path("<int:pk>/copy/", views.checklist_copy, name="copy"),
    path("<int:pk>/active/", views.checklist_active, name="active"),
    path("<int:pk>/versions/<int:number>/", views.checklist_version, name="version"),
]
