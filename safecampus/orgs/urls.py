from safecampus.orgs import import_views, views

app_name = "orgs"

urlpatterns = [*views.urlpatterns, *import_views.urlpatterns]
