"""Pages of safety education; included at "education/" in config/urls.py."""

from django.urls import path

from safecampus.education import activity_views, campaign_views, overview_views, views

app_name = "education"

urlpatterns = [
    path("", views.today, name="today"),
    path("tap/", views.tap, name="tap"),
    path("earlier/", views.record_earlier, name="earlier"),
    path("classes/", views.classes, name="classes"),
    path("classes/new/", views.class_new, name="class-new"),
    path("classes/<int:pk>/", views.class_page, name="class"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class-edit"),
    path("records/", views.records, name="records"),
    path("records/<int:pk>/", views.reminder_page, name="reminder"),
    path("activities/", activity_views.ActivityListView.as_view(), name="activities"),
    path("activities/new/", activity_views.activity_new, name="activity-new"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", activity_views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/photos/", activity_views.activity_photos, name="activity-photos"),
    path("activities/<int:pk>/delete/", activity_views.activity_delete, name="activity-delete"),
    path("campaigns/", campaign_views.campaign_list, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign-new"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaign_views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/delete/", campaign_views.campaign_delete, name="campaign-delete"),
    path("campaigns/<int:pk>/import/", campaign_views.campaign_import, name="campaign-import"),
    path(
        "campaigns/<int:pk>/schools/<int:school_pk>/",
        campaign_views.result_edit,
        name="campaign-result",
    ),
    path("results/<int:pk>/", campaign_views.result_page, name="result"),
    path("overview/", overview_views.overview, name="overview"),
]
