from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from safecampus.accounts import api as accounts_api
from safecampus.core import api_views as core_api
from safecampus.hazards import api as hazards_api
from safecampus.orgs import api as orgs_api

router = DefaultRouter()
for module in (orgs_api, accounts_api, core_api, hazards_api):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/auth/token/", accounts_api.ObtainTokenView.as_view(), name="api-token"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
