from django.conf import settings
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from safecampus.core import attachment_views, search_views
from safecampus.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static_url("img/favicon.svg"), permanent=True)),
    path("search/", search_views.search_page, name="search"),
    path("attachments/<uuid:token>/", attachment_views.attachment, name="attachment"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("safecampus.accounts.urls")),
    path("orgs/", include("safecampus.orgs.urls")),
    path("audit/", include("safecampus.core.urls")),
    path("report/", include("safecampus.hazards.public_urls")),
    path("hazards/import/", include("safecampus.hazards.ledger_import_urls")),
    path("hazards/followup/", include("safecampus.hazards.followup_urls")),
    path("hazards/dashboard/", include("safecampus.hazards.dashboard_urls")),
    path("hazards/docs/", include("safecampus.hazards.document_urls")),
    path("hazards/review/", include("safecampus.hazards.review_views")),
    path("hazards/joint/", include("safecampus.hazards.joint_urls")),
    path("hazards/calendar/", include("safecampus.hazards.calendar_urls")),
    path("hazards/deadlines/", include("safecampus.hazards.deadline_urls")),
    path("hazards/checklists/", include("safecampus.hazards.checklist_urls")),
    path("hazards/schedules/", include("safecampus.hazards.schedule_urls")),
    path("hazards/spotchecks/", include("safecampus.hazards.spotcheck_urls")),
    path("hazards/", include("safecampus.hazards.urls")),
    path("emergency/plans/", include("safecampus.emergency.plans_urls")),
    path("emergency/drills/", include("safecampus.emergency.drills_urls")),
    path("emergency/incidents/", include("safecampus.emergency.incidents_urls")),
    path("emergency/stats/", include("safecampus.emergency.stats_urls")),
    path("education/", include("safecampus.education.urls")),
    path("training/", include("safecampus.training.urls")),
    path("defense/", include("safecampus.defense.urls")),
    path("compliance/", include("safecampus.compliance.urls")),
    path("notify/", include("safecampus.notify.urls")),
    path("api/", include("safecampus.config.api_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
