from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from safecampus.accounts import api as accounts_api
from safecampus.compliance import api as compliance_api
from safecampus.core import api_views as core_api
from safecampus.defense import api as defense_api
from safecampus.education import api as education_api
from safecampus.emergency import drills_api, incidents_api, plans_api, stats_api
from safecampus.hazards import api as hazards_api
from safecampus.hazards import spotcheck_api
from safecampus.orgs import api as orgs_api
from safecampus.training import api as training_api

router = DefaultRouter()
for module in (orgs_api, accounts_api, core_api, hazards_api):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in plans_api.ROUTES:  # emergency plans and their gaps
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in incidents_api.ROUTES:  # incidents and their timelines
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in drills_api.ROUTES:  # drills and drill compliance
    router.register(prefix, viewset, basename=basename)
router.register("incident-stats", stats_api.IncidentStatsViewSet, basename="incidentstats")
# Compliance: rules and verdicts, safety education, training, the defense inventory and the
# spot-checks of closed hazards.
for module in (compliance_api, education_api, training_api, defense_api, spotcheck_api):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/auth/token/", accounts_api.ObtainTokenView.as_view(), name="api-token"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
