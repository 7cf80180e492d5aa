"""The compliance resources of the API: the rules with the numbers in force at a node, the
verdicts of a region (derived when read), the rule overrides of cities and counties, and the
平安校园 awards.

`rules/` is the catalogue, the same for every caller; `?node=` gives the numbers in force at a
node the caller sees. `verdicts/` judges the rules for the schools (and counties, police
stations) in the caller's compliance scope, inside `within` when given; a `within` outside the
scope lists nothing, as every list of the API does. A bad parameter answers 400 saying what is
expected, in the caller's language. Overrides are never edited: a change is a new version
(POST), and only a version not yet in force may be deleted. Awards are recorded and revoked
(PATCH revoked_on) by the bureau staff who keep the rules' numbers.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from safecampus.accounts.access import can_anywhere, scope_prefixes
from safecampus.compliance import catalog, dashboard, engine, overrides, pingan
from safecampus.compliance.catalog import COUNTY, DEPARTMENT, SCHOOL
from safecampus.compliance.forms import period_of
from safecampus.compliance.models import PingAnAward, RuleOverride
from safecampus.compliance.params import versions_above
from safecampus.compliance.serializers import (
    NodeVerdictsSerializer,
    PingAnAwardSerializer,
    RuleOverrideSerializer,
    RuleSerializer,
    VerdictRowSerializer,
)
from safecampus.compliance.verdicts import Status
from safecampus.core import services
from safecampus.core.api import ScopedModelViewSet
from safecampus.core.scoping import ALL
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.orgs.models import OrgNode


def _bad(name: str, message) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


def _int(params, name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise _bad(name, _("Enter a whole number: the id of a node.")) from None


def _codes(params) -> list[str] | None:
    raw = (params.get("rule") or "").strip()
    if not raw:
        return None
    codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
    unknown = [c for c in codes if c not in catalog.RULES_BY_CODE]
    if unknown:
        raise _bad(
            "rule",
            _("There is no rule %(codes)s. The rules are listed at rules/, e.g. DRILL-KG.")
            % {"codes": ", ".join(unknown)},
        )
    return codes


# ------------------------------------------------------------------------------ rules


def _rule_row(rule, book, rows, path, day) -> dict:
    source = {
        "default": True,
        "node": None,
        "node_name": "",
        "effective_from": None,
        "document_number": "",
        "override": None,
    }
    params = dict(rule.params)
    if book is not None:
        params = book.params(rule.code, path, day)
        found = book.source(rule.code, path, day)
        row = rows.get((rule.code, found[1], found[2])) if found else None
        if row is not None:
            source = {
                "default": False,
                "node": row.org_id,
                "node_name": row.org.name,
                "effective_from": row.effective_from,
                "document_number": row.document_number,
                "override": row.pk,
            }
    return {**rule.as_dict(params), "params_source": source}


RULE_PARAMS = [
    OpenApiParameter(
        "node", OpenApiTypes.INT, description=_("The numbers in force at this node (id)")
    ),
    OpenApiParameter(
        "date", OpenApiTypes.DATE, description=_("The numbers in force on this day; today.")
    ),
]


class RuleViewSet(viewsets.GenericViewSet):
    """The catalogue of rules: each rule's code, texts in Chinese and English, source and
    default numbers, and the numbers in force at `?node=`."""

    queryset = RuleOverride.objects.none()  # rules are data; the numbers come from overrides
    serializer_class = RuleSerializer
    filter_backends: list = []
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def _context(self):
        user = self.request.user
        if not can_anywhere(user, "view", RuleOverride):
            raise exceptions.PermissionDenied(_("Your role does not allow this here."))
        params = self.request.query_params
        node_id = _int(params, "node")
        day = timezone.localdate()
        if params.get("date"):
            try:
                day = datetime.date.fromisoformat(params["date"])
            except ValueError:
                raise _bad("date", _("Enter a date as YYYY-MM-DD.")) from None
        node = None
        if node_id is not None:
            node = OrgNode.objects.for_user(user, "view").filter(pk=node_id).first()
            if node is None:
                raise _bad("node", _("No organisation you can see has this id."))
        book, rows = versions_above(node) if node is not None else (None, {})
        return node, day, book, rows

    @extend_schema(
        summary=_("The rules, with the numbers in force at a node"),
        parameters=[
            *RULE_PARAMS,
            OpenApiParameter("group", OpenApiTypes.STR, enum=list(catalog.GROUPS)),
            OpenApiParameter("subject", OpenApiTypes.STR, enum=[SCHOOL, COUNTY, DEPARTMENT]),
        ],
    )
    def list(self, request, *args, **kwargs):
        node, day, book, rows = self._context()
        group = request.query_params.get("group", "")
        if group and group not in catalog.GROUPS:
            raise _bad(
                "group", _("Choose one of: %(items)s.") % {"items": ", ".join(catalog.GROUPS)}
            )
        subject = request.query_params.get("subject", "")
        if subject and subject not in (SCHOOL, COUNTY, DEPARTMENT):
            raise _bad("subject", _("Choose one of: school, county, department."))
        found = [
            _rule_row(r, book, rows, node.path if node else "", day)
            for r in catalog.RULES
            if (not group or r.group == group) and (not subject or r.subject == subject)
        ]
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=_("One rule, with the numbers in force at a node"), parameters=RULE_PARAMS
    )
    def retrieve(self, request, code=None, *args, **kwargs):
        node, day, book, rows = self._context()
        rule = catalog.RULES_BY_CODE.get((code or "").upper())
        if rule is None:
            raise Http404
        return Response(
            self.get_serializer(_rule_row(rule, book, rows, node.path if node else "", day)).data
        )


# ------------------------------------------------------------------------------ verdicts


def _regions(user) -> list[OrgNode]:
    """The widest nodes of the caller's compliance scope (usually one)."""
    prefixes = scope_prefixes(user, PingAnAward, "view")
    if prefixes is ALL:
        return list(OrgNode.objects.filter(parent__isnull=True).order_by("path"))
    if not prefixes:
        return []
    return list(OrgNode.objects.filter(path__in=prefixes).order_by("path"))


# The most schools one list of verdicts judges: a large city's, not a province's. Verdicts are
# derived when read, every rule for every school (a city of 1,400 schools takes seconds), so
# a wider caller asks region by region (docs/performance.md).
MAX_SCHOOLS = 3000


def _schools_in(user, regions) -> int:
    """The active schools inside `regions` where the user may view compliance (one count)."""
    if not regions:
        return 0
    nodes = selectors.nodes_where(user, "view", PingAnAward).filter(kind=NodeKind.SCHOOL)
    inside = Q()
    for region in regions:
        inside |= Q(path=region.path) | Q(path__startswith=region.path + ".")
    return nodes.filter(inside, is_active=True).count()


def _row(v, subject) -> dict:
    rule = catalog.RULES_BY_CODE[v.rule]
    return {
        "code": v.rule,
        "title": rule.title,
        "node": subject.node_id,
        "node_name": subject.name,
        "subject": subject.kind,
        "department": subject.department_id,
        "period": v.period.as_dict() if v.period else None,
        "verdict": v.status,
        "verdict_label": v.status_label,
        "explanation": v.explanation,
        "value": v.value,
        "evidence": dashboard.evidence_dicts(v),
    }


def _rows(result, only_node: int | None = None) -> list[tuple]:
    out = []
    for rule in result.rules:
        for subject in result.run.subjects(rule.subject):
            if only_node is not None and subject.node_id != only_node:
                continue
            v = result.of(rule.code, subject.key)
            if v is not None:
                out.append(
                    ((subject.path, dashboard.ORDER[rule.code], str(subject.key)), v, subject)
                )
    return out


VERDICT_PARAMS = [
    OpenApiParameter(
        "rule",
        OpenApiTypes.STR,
        description=_("Only this rule (a code, e.g. DRILL-KG; several separated by commas)"),
    ),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        description=_(
            "The period judged: a month 2026-10, a quarter 2026-Q3 or a year 2026; each "
            "rule's last ended period when not given"
        ),
    ),
    OpenApiParameter(
        "verdict", OpenApiTypes.STR, enum=list(Status.values), description=_("Only this verdict")
    ),
]


class VerdictViewSet(viewsets.GenericViewSet):
    """Verdicts derived when read: one row per rule and node judged."""

    queryset = OrgNode.objects.all()  # rows are keyed by the node judged
    serializer_class = VerdictRowSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def _params(self):
        params = self.request.query_params
        codes = _codes(params)
        try:
            period = period_of(params.get("period", ""))
        except ValueError as exc:
            raise _bad("period", str(exc)) from None
        verdict = params.get("verdict", "")
        if verdict and verdict not in Status.values:
            raise _bad(
                "verdict", _("Choose one of: %(items)s.") % {"items": ", ".join(Status.values)}
            )
        if codes is not None:
            ready = {r.code for r in engine.available([catalog.RULES_BY_CODE[c] for c in codes])}
            missing = [c for c in codes if c not in ready]
            if missing:
                raise _bad(
                    "rule",
                    _("%(codes)s cannot be judged yet in this installation.")
                    % {"codes": ", ".join(missing)},
                )
        return codes, period, verdict

    @extend_schema(
        summary=_("Verdicts of the schools, counties and police stations in scope"),
        description=format_lazy(
            _(
                "Judged when asked, for every school in scope or inside within=; a scope of "
                "more than {max} schools (a province) answers 400: ask a city, a county or a "
                "school."
            ),
            max=f"{MAX_SCHOOLS:,}",
        ),
        parameters=[
            OpenApiParameter(
                "within", OpenApiTypes.INT, description=_("Inside the subtree of node (id)")
            ),
            *VERDICT_PARAMS,
        ],
    )
    def list(self, request, *args, **kwargs):
        user = request.user
        codes, period, verdict = self._params()
        within = _int(request.query_params, "within")
        if within is not None:
            node = selectors.visible_nodes(user).filter(pk=within).first()
            regions = [node] if node is not None else []  # outside the scope: nothing
        else:
            regions = _regions(user)
        schools = _schools_in(user, regions)
        if schools > MAX_SCHOOLS:
            raise _bad(
                "within",
                _(
                    "%(count)s schools are too many to judge in one request (at most "
                    "%(max)s): ask within= a city, a county or a school."
                )
                % {"count": schools, "max": MAX_SCHOOLS},
            )
        found: dict = {}
        for region in regions:
            result = dashboard.evaluate(user, region, codes=codes, period=period).result
            for key, v, subject in _rows(result):
                found.setdefault((v.rule, key[2]), (key, v, subject))
        rows = sorted(found.values(), key=lambda item: item[0])
        if verdict:
            rows = [r for r in rows if r[1].status == verdict]
        page = self.paginate_queryset(rows)
        data = [_row(v, subject) for _key, v, subject in page]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)

    @extend_schema(
        summary=_("The verdicts about one node (a school, a county)"),
        parameters=VERDICT_PARAMS,
        responses=NodeVerdictsSerializer,
    )
    def retrieve(self, request, pk=None, *args, **kwargs):
        user = request.user
        codes, period, verdict = self._params()
        node = selectors.nodes_where(user, "view", PingAnAward).filter(pk=pk).first()
        if node is None:
            raise Http404
        subjects = {"school": (SCHOOL,), "county": (COUNTY, DEPARTMENT)}.get(
            node.kind, (DEPARTMENT,)
        )
        result = dashboard.evaluate(
            user, node, codes=codes, period=period, subjects=subjects
        ).result
        rows = sorted(_rows(result, only_node=node.pk), key=lambda item: item[0])
        if verdict:
            rows = [r for r in rows if r[1].status == verdict]
        data = {
            "node": node.pk,
            "node_name": node.name,
            "verdicts": [_row(v, subject) for _key, v, subject in rows],
        }
        return Response(NodeVerdictsSerializer(data).data)


# ------------------------------------------------------------------------------ overrides


class RuleOverrideFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Region (node id)"))
    within = WithinFilter()

    class Meta:
        model = RuleOverride
        fields = ["code"]


@extend_schema_view(
    list=extend_schema(summary=_("Rule overrides of the regions in scope, every version")),
    retrieve=extend_schema(summary=_("One version of a region's numbers for a rule")),
    create=extend_schema(
        summary=_("A new version of a region's numbers for a rule, from a day on"),
        description=_(
            "A city or county sets a rule's numbers for its schools from effective_from (today "
            "or later). Versions are never edited; params {} withdraws the region's numbers."
        ),
    ),
    destroy=extend_schema(summary=_("Cancel a version that is not in force yet")),
)
class RuleOverrideViewSet(ScopedModelViewSet):
    queryset = RuleOverride.objects.select_related("org", "created_by")
    serializer_class = RuleOverrideSerializer
    filterset_class = RuleOverrideFilter
    http_method_names = ["get", "post", "delete", "head", "options"]
    search_fields = ["code", "note", "document_number"]
    ordering = ["code", "org_path", "effective_from", "id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = overrides.override_set(
            node=data["org"],
            code=data["code"],
            params=data.get("params") or {},
            effective_from=data["effective_from"],
            note=data.get("note", ""),
            document_number=data.get("document_number", ""),
            by=self.request.user,
        )

    def perform_destroy(self, instance):
        overrides.override_cancel(override=instance, by=self.request.user)


# ------------------------------------------------------------------------------ awards


class PingAnAwardFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()

    class Meta:
        model = PingAnAward
        fields = ["level"]


@extend_schema_view(
    list=extend_schema(summary=_("平安校园 awards of the schools in scope")),
    retrieve=extend_schema(summary=_("One 平安校园 award")),
    create=extend_schema(summary=_("Record a school's 平安校园 award")),
    partial_update=extend_schema(
        summary=_("Correct an award, or revoke it (revoked_on)"),
        description=_("Send the version you read (409 if it changed)."),
    ),
    destroy=extend_schema(summary=_("Delete an award entered by mistake")),
)
class PingAnAwardViewSet(ScopedModelViewSet):
    queryset = PingAnAward.objects.select_related("org")
    serializer_class = PingAnAwardSerializer
    filterset_class = PingAnAwardFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    search_fields = ["org__name", "document_number"]
    ordering = ["org_path", "-awarded_on", "-id"]

    def check_write(self, action: str, org) -> None:
        if not pingan.may(self.request.user, action, org):
            self.permission_denied_here()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = pingan.award_record(
            school=data["org"],
            level=data["level"],
            awarded_on=data["awarded_on"],
            document_number=data.get("document_number", ""),
            note=data.get("note", ""),
            by=self.request.user,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        award = serializer.instance
        if "org" in data and data.pop("org") != award.org:
            raise _bad("org", _("An award stays with its school; record a new one instead."))
        revoked_on = data.pop("revoked_on", None)
        if data:
            award = pingan.award_update(
                award=award, by=self.request.user, data=data, expected_version=version
            )
            version = award.version
        if revoked_on is not None:
            award = pingan.award_revoke(
                award=award,
                revoked_on=revoked_on,
                note=data.get("note", ""),
                by=self.request.user,
                expected_version=version,
            )
        serializer.instance = award

    def perform_destroy(self, instance):
        services.delete_record(instance=instance, by=self.request.user)


ROUTES = [
    ("rules", RuleViewSet, "rule"),
    ("verdicts", VerdictViewSet, "verdict"),
    ("rule-overrides", RuleOverrideViewSet, "ruleoverride"),
    ("pingan-awards", PingAnAwardViewSet, "pinganaward"),
]
