from django.urls import path

from safecampus.notify import channel_views, views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("<int:pk>/acknowledge/", views.notification_acknowledge, name="acknowledge"),
    path("deliveries/", views.DeliveryListView.as_view(), name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("channels/", channel_views.ChannelListView.as_view(), name="channels"),
    path("channels/add/", channel_views.channel_add, name="channel_add"),
    path("channels/<int:pk>/", channel_views.channel_detail, name="channel"),
    path("channels/<int:pk>/edit/", channel_views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/active/", channel_views.channel_active, name="channel_active"),
    path("channels/<int:pk>/test/", channel_views.channel_test, name="channel_test"),
]
