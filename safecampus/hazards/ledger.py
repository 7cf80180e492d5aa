"""The hazard ledger (风险隐患台账) as read by pages: its filters, "overdue" derived when read
(never stored), the to-do counts of the home page, and the streaming XLSX export in the
conventional columns.
"""

import datetime
import operator
import tempfile
from functools import reduce

from django import forms
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from safecampus.accounts.access import assignments, can_anywhere
from safecampus.core.dates import day_start
from safecampus.core.listing import XLSX_TYPE
from safecampus.hazards import rollups
from safecampus.hazards.choices import OPEN_STATUSES, Category, Grade, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.rollup_models import HazardOpenRollup
from safecampus.hazards.workflow import HIGHER_LEVELS, MOVES, SCHOOL_MANAGERS
from safecampus.orgs.forms import ScopedFilterForm
from safecampus.orgs.models import Person

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The to-do filters of the home page: each is a ledger filter (?todo=...) so that a count and
# the rows behind it are one and the same query.
TODO_CONFIRM, TODO_RECTIFY, TODO_ACCEPT, TODO_OVERDUE, TODO_ESCALATED = (
    "confirm",
    "rectify",
    "accept",
    "overdue",
    "escalated",
)
TODOS = (TODO_CONFIRM, TODO_RECTIFY, TODO_ACCEPT, TODO_OVERDUE, TODO_ESCALATED)


# ---------------------------------------------------------------------------- overdue


def overdue_q(today: datetime.date | None = None) -> Q:
    """Open and past its deadline, as of `today`: derived when read, never stored."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


def with_overdue(qs, today: datetime.date | None = None):
    """Annotate `is_overdue` on each row (for filters and ordering)."""
    return qs.annotate(
        is_overdue=Case(
            When(overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def days_overdue(hazard, today: datetime.date | None = None) -> int:
    """How many days past its deadline an open hazard is (0 when it is not overdue)."""
    today = today or timezone.localdate()
    if hazard.status not in OPEN_STATUSES or hazard.deadline is None:
        return 0
    return max((today - hazard.deadline).days, 0)


# ---------------------------------------------------------------------------- to-dos


def _prefixes(user, roles) -> list[str]:
    return [a.org_path for a in assignments(user) if a.role in roles]


def _within(field: str, prefixes) -> Q:
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(**{f"{field}__within": p})
    return q


def todo_q(user, todo: str, today: datetime.date | None = None) -> Q | None:
    """The rows of one to-do of `user`, as a filter on hazards the user already sees."""
    if todo == TODO_CONFIRM:
        return Q(status=Status.REPORTED) & _within(
            "org_path", _prefixes(user, MOVES["confirm"].roles)
        )
    nodes = [a.org_id for a in assignments(user) if a.role in HIGHER_LEVELS]
    if todo == TODO_RECTIFY:
        # School managers rectify their school's hazards, a higher level those it took over,
        # and anyone named responsible those assigned to them.
        # Each branch with the state in it, and the people as ids rather than a join: so
        # that a region's count reads its few rows by index, not every hazard rectifying.
        people = list(Person.objects.filter(user=user).values_list("pk", flat=True))
        rectifying = Q(status=Status.RECTIFYING)
        return (
            (rectifying & _within("org_path", _prefixes(user, SCHOOL_MANAGERS)))
            | (rectifying & Q(handler_id__in=nodes))
            | (rectifying & Q(responsible_person_id__in=people))
        )
    if todo == TODO_ACCEPT:
        return (
            Q(status=Status.SUBMITTED)
            & (_within("org_path", _prefixes(user, SCHOOL_MANAGERS)) | Q(handler_id__in=nodes))
            & ~Q(submitted_by=user)
        )
    if todo == TODO_OVERDUE:
        return overdue_q(today)
    if todo == TODO_ESCALATED:
        return Q(status=Status.ESCALATED, handler_id__in=nodes)
    return None


def todo_items(user) -> list[dict]:
    """The hazard to-dos of the home page: a count each and a link to the rows behind it."""
    if not can_anywhere(user, "view", Hazard):
        return []
    qs = Hazard.objects.for_user(user, "view")
    labels = {
        TODO_CONFIRM: (_("Hazards to confirm"), "waiting"),
        TODO_RECTIFY: (_("Hazards to rectify"), "due"),
        TODO_ACCEPT: (_("Rectifications to accept"), "waiting"),
        TODO_OVERDUE: (_("Overdue hazards"), "overdue"),
        TODO_ESCALATED: (_("Hazards escalated to us"), "overdue"),
    }
    ledger = reverse("hazards:ledger")
    # Overdue is about every open hazard in view: counted from the open hazards' rollup (a
    # province has 50,000 open), exact for the user's scope as the ledger's filter is.
    counts = {
        TODO_OVERDUE: rollups.seen_total(HazardOpenRollup, user, deadline__lt=timezone.localdate())
    }
    # The others in one pass over the open hazards that match one of them: a region's are
    # the few handled at its level or in one state.
    others = {t: todo_q(user, t) for t in TODOS if t != TODO_OVERDUE}
    others = {t: q for t, q in others.items() if q is not None}
    if others:
        counts |= (
            qs.filter(reduce(operator.or_, others.values()), status__in=OPEN_STATUSES)
            .by_other_filters()
            .aggregate(**{todo: Count(Case(When(q, then=Value(1)))) for todo, q in others.items()})
        )
    items = []
    for todo in TODOS:
        count = counts.get(todo)
        if count:
            label, severity = labels[todo]
            items.append(
                {
                    "label": label,
                    "count": count,
                    "url": f"{ledger}?todo={todo}",
                    "severity": severity,
                    "key": f"hazards-{todo}",
                }
            )
    return items


def due_inspection_items(user) -> list[dict]:
    """Checks due today and missed, derived from the schedules at read time. A school's
    people see them one by one (up to five of each); anyone seeing more than schools (a
    bureau: up to 100,000 schedules at a province) gets the two counts, computed set-based,
    linking to the region's dashboard where completion is broken down by region and school."""
    from safecampus.accounts.roles import SCHOOL_ROLES
    from safecampus.hazards.schedules import due_counts, due_inspections

    roles = assignments(user)
    if not (roles and all(a.role in SCHOOL_ROLES for a in roles)):
        return _due_count_items(user, due_counts(user=user, day=timezone.localdate()))
    rows = list(due_inspections(user=user, day=timezone.localdate()))
    inspect = reverse("hazards:inspect")
    items = []
    for status, label, many_label, severity in (
        ("due", _("Check due today"), _("Checks due today"), "due"),
        ("missed", _("Check missed"), _("Checks missed"), "overdue"),
    ):
        found = [r for r in rows if getattr(r, "status", "") == status]
        if not found:
            continue
        if len(found) <= 5:
            for r in found:
                period = r.period_start.isoformat() if r.period_start else ""
                items.append(
                    {
                        "label": f"{label}：{r.schedule.title} · {r.school.name}",
                        "count": 1,
                        "url": f"{inspect}?schedule={r.schedule.pk}&period={period}",
                        "severity": severity,
                        "key": f"inspection-{status}",
                    }
                )
        else:
            items.append(
                {
                    "label": many_label,
                    "count": len(found),
                    "url": inspect,
                    "severity": severity,
                    "key": f"inspection-{status}",
                }
            )
    return items


def _due_count_items(user, counts: dict) -> list[dict]:
    url = (
        reverse("hazard_dashboard:home")
        if can_anywhere(user, "view", Hazard)
        else reverse("hazard_schedules:list")
    )
    return [
        {"label": label, "count": counts[status], "url": url, "severity": severity,
         "key": f"inspection-{status}"}
        for status, label, severity in (
            ("due", _("Checks due today"), "due"),
            ("missed", _("Checks missed"), "overdue"),
        )
        if counts[status]
    ]  # fmt: skip


# ---------------------------------------------------------------------------- filters


class LedgerFilterForm(ScopedFilterForm):
    status = forms.ChoiceField(required=False, label=gettext_lazy("Status"))
    grade = forms.ChoiceField(required=False, label=gettext_lazy("Grade"))
    category = forms.ChoiceField(required=False, label=gettext_lazy("Category"))
    overdue = forms.ChoiceField(required=False, label=gettext_lazy("Overdue"))
    date_from = forms.DateField(
        required=False, label=gettext_lazy("Found from"), widget=DATE_WIDGET
    )
    date_to = forms.DateField(required=False, label=gettext_lazy("Found until"), widget=DATE_WIDGET)
    todo = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    # Drill-down links from the dashboard: open hazards only, closed within a period.
    open = forms.BooleanField(required=False, widget=forms.HiddenInput)
    closed_from = forms.DateField(required=False, widget=forms.HiddenInput)
    closed_to = forms.DateField(required=False, widget=forms.HiddenInput)

    field_order = ["status", "grade", "category", "overdue", "node", "date_from", "date_to", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].label = _("Number, description or spot")
        self.fields["status"].choices = [("", _("All statuses")), *Status.choices]
        self.fields["grade"].choices = [("", _("All grades")), *Grade.choices]
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["overdue"].choices = [("", _("All")), ("1", _("Overdue only"))]
        self.fields["todo"].choices = [("", ""), *((t, t) for t in TODOS)]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def filter_ledger(qs, data: dict, user, today: datetime.date | None = None):
    today = today or timezone.localdate()
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("grade"):
        qs = qs.filter(grade=data["grade"])
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("overdue"):
        qs = qs.filter(overdue_q(today))
    if data.get("node"):
        qs = qs.within(data["node"].path)
    if data.get("date_from"):
        qs = qs.filter(found_at__gte=day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(found_at__lt=day_start(data["date_to"] + datetime.timedelta(days=1)))
    if data.get("open"):
        qs = qs.filter(status__in=OPEN_STATUSES)
    if data.get("closed_from"):
        qs = qs.filter(closed_at__gte=day_start(data["closed_from"]))
    if data.get("closed_to"):
        qs = qs.filter(closed_at__lt=day_start(data["closed_to"] + datetime.timedelta(days=1)))
    if data.get("q"):
        q = data["q"].strip()
        qs = qs.filter(
            Q(number__icontains=q) | Q(description__icontains=q) | Q(spot__name__icontains=q)
        )
    if data.get("todo"):
        q = todo_q(user, data["todo"], today)
        if q is not None:
            qs = qs.filter(q)
    return qs


# ---------------------------------------------------------------------------- XLSX export

EXPORT_FIELDS = [
    "number",
    "org__name",
    "found_at",
    "description",
    "grade",
    "measures",
    "responsible_person__name",
    "deadline",
    "status",
    "rectification",
    "accepted_by__last_name",
    "accepted_by__first_name",
    "accepted_by__username",
    "closed_at",
]


def export_headers() -> list[str]:
    """The conventional columns of a hazard ledger."""
    return [
        _("No."),  # 序号
        _("Hazard number"),  # 隐患编号
        _("School"),  # 学校
        _("Found at"),  # 发现时间
        _("Hazard description"),  # 隐患描述
        pgettext("hazard ledger column", "Grade"),  # 等级
        _("Rectification measures"),  # 整改措施
        _("Responsible person"),  # 责任人
        pgettext("hazard ledger column", "Rectification deadline"),  # 整改时限
        pgettext("hazard ledger column", "Rectification status"),  # 整改情况
        _("Accepted by"),  # 验收人
        _("Closed at"),  # 销号时间
    ]


def export_rows(qs, today: datetime.date | None = None):
    """One list per hazard, read from `values()` in chunks: no model objects are built.

    Labels and the time zone are looked up once, not per row: at 100,000 rows the per-row
    lookups (`gettext`, `localtime`) cost more than the query."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    grades = {k: str(v) for k, v in Grade.choices}
    statuses = {k: str(v) for k, v in Status.choices}
    overdue = _("%(status)s, overdue %(days)d days")
    open_statuses = set(OPEN_STATUSES)

    def local(value):
        return value.astimezone(zone).replace(tzinfo=None) if value is not None else None

    rows = qs.order_by("found_at", "id").values(*EXPORT_FIELDS)
    for index, r in enumerate(rows.iterator(chunk_size=2000), start=1):
        status = statuses.get(r["status"], r["status"])
        deadline = r["deadline"]
        if deadline and deadline < today and r["status"] in open_statuses:
            status = overdue % {"status": status, "days": (today - deadline).days}
        if r["rectification"]:
            status = f"{status}：{r['rectification']}"
        accepted = (r["accepted_by__last_name"] or "") + (r["accepted_by__first_name"] or "")
        yield [
            index,
            r["number"],
            r["org__name"],
            local(r["found_at"]),
            r["description"],
            grades.get(r["grade"], r["grade"]),
            r["measures"],
            r["responsible_person__name"] or "",
            deadline,
            status,
            accepted or r["accepted_by__username"] or "",
            local(r["closed_at"]),
        ]


EXPORT_WIDTHS = (6, 20, 22, 17, 40, 8, 30, 10, 12, 30, 10, 17)


def export_response(qs, *, filename: str | None = None) -> FileResponse:
    """The ledger as an XLSX file, written row by row into a temporary file (core/xlsx.py:
    100,000 rows in a few seconds, memory flat) and streamed back from it in chunks. Text is
    always written as text, so a description such as `=HYPERLINK(…)` is no formula."""
    from safecampus.core import xlsx

    title = _("Hazard ledger")
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    xlsx.write(
        spool,
        title=str(title),
        headers=[str(label) for label in export_headers()],
        rows=export_rows(qs),
        widths=EXPORT_WIDTHS,
    )
    spool.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"{filename or title}-{stamp}.xlsx"
    return FileResponse(spool, content_type=XLSX_TYPE, as_attachment=True, filename=name)
