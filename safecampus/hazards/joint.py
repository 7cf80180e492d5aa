"""Joint inspections (联合检查): one check, a record for each department that took part.

A checklist item names the department kinds whose checklist it also serves
(`ChecklistItem.department_kinds`), and an inspection names the departments that joined it
(`Inspection.departments`). A department's report is the part of the check its checklist
covers: those items' answers, notes and photos, the hazards raised from them, and the
inspection's school, date and sign-off. Nothing is stored twice: a report is read from the
inspection whenever it is asked for, so it always shows the hazards' current status.

Which departments may join a school's check: those the inspector may see, sitting on the
school's node or one of its ancestors (a county's police can join a check of its schools;
a department of another county cannot).
"""

import base64
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.core.documents import SANS, SERIF, chinese_date
from safecampus.core.models import Attachment
from safecampus.hazards.choices import Answer, Status
from safecampus.hazards.models import Hazard, Inspection, InspectionAnswer
from safecampus.orgs.choices import DepartmentKind
from safecampus.orgs.models import Department, OrgNode, ancestor_paths

# The sector a department kind answers for, as a joint inspection's record names it
# ("公安部门检查记录"); a department's own name (冯记沟派出所) is shown beside it.
SECTORS = {
    DepartmentKind.EDUCATION: gettext_lazy("Education department"),
    DepartmentKind.POLICE: gettext_lazy("Public security department"),
    DepartmentKind.MARKET: gettext_lazy("Market regulation department"),
    DepartmentKind.JUDICIAL: gettext_lazy("Judicial administration department"),
    DepartmentKind.HEALTH: gettext_lazy("Health department"),
    DepartmentKind.FIRE: gettext_lazy("Fire and rescue department"),
    DepartmentKind.TRAFFIC: gettext_lazy("Traffic police department"),
    DepartmentKind.EMERGENCY: gettext_lazy("Emergency management department"),
    DepartmentKind.WATER: gettext_lazy("Water resources department"),
    DepartmentKind.NATURAL_RESOURCES: gettext_lazy("Natural resources department"),
    DepartmentKind.HOUSING: gettext_lazy("Housing and construction department"),
    DepartmentKind.TRANSPORT: gettext_lazy("Transport department"),
    DepartmentKind.CIVIL_AFFAIRS: gettext_lazy("Civil affairs department"),
    DepartmentKind.COMMUNIST_YOUTH: gettext_lazy("Communist Youth League committee"),
    DepartmentKind.WOMEN: gettext_lazy("Women's federation"),
    DepartmentKind.GOVERNMENT: gettext_lazy("Government office"),
    DepartmentKind.OTHER: gettext_lazy("Other department"),
}
KIND_ORDER = {kind.value: i for i, kind in enumerate(DepartmentKind)}


def sector_label(kind: str) -> str:
    return str(SECTORS.get(kind, kind))


# ------------------------------------------------------------------------ who may join


def _may_inspect(user, school: OrgNode) -> bool:
    from safecampus.accounts.access import can
    from safecampus.hazards.models import Inspection

    return user is None or can(user, "add", Inspection, school)


def joinable_departments(user, school: OrgNode | None = None):
    """Departments that may take part in a check of `school`: those on the school's node or
    one of its ancestors, nearest first. Whoever may inspect the school may name them, even
    without reading the township's or county's department list otherwise: a school's safety
    officer records the joint check the police station took part in. Without a school, every
    department the user sees (the form narrows them once a school is chosen)."""
    if school is None:
        qs = Department.objects.for_user(user, "view")
    elif _may_inspect(user, school):
        qs = Department.objects.filter(org_path__in=ancestor_paths(school.path))
    else:
        qs = Department.objects.none()
    return qs.select_related("org").order_by("-org_path", "kind", "name")


def department_errors(user, school: OrgNode, departments) -> list[str]:
    """Why some of `departments` cannot join a check of `school` (empty when all may).

    `user` None is the system itself (imports, demo data): only the tree is checked."""
    errors = []
    may_inspect = _may_inspect(user, school)
    above = set(ancestor_paths(school.path))
    for department in departments:
        if not may_inspect:
            errors.append(_("A chosen department does not exist or is outside your scope."))
        elif department.org_path not in above:
            errors.append(
                _(
                    "“%(department)s” cannot join a check of %(school)s: only departments of "
                    "the school or of a level above it can."
                )
                % {"department": department.name, "school": school.name}
            )
    return errors


def check_departments(user, school: OrgNode, departments) -> None:
    errors = department_errors(user, school, departments)
    if errors:
        raise ValidationError({"departments": errors})


# -------------------------------------------------------------------------- the reports


def item_kinds(item) -> list[str]:
    """The department kinds an item serves; unknown values in the JSON list are ignored."""
    kinds = item.department_kinds or []
    if not isinstance(kinds, list):
        return []
    return [str(k) for k in kinds if str(k) in KIND_ORDER]


def department_kinds_of(inspection: Inspection) -> list[str]:
    """Which department reports an inspection yields: the kinds its items map to and the
    kinds of the departments that took part, in the order of `DepartmentKind`."""
    kinds = set()
    for answer in InspectionAnswer.objects.filter(inspection=inspection).select_related("item"):
        kinds.update(item_kinds(answer.item))
    kinds.update(inspection.departments.values_list("kind", flat=True))
    return sorted((k for k in kinds if k in KIND_ORDER), key=KIND_ORDER.__getitem__)


@dataclass
class ReportRow:
    """One item of a department's record: the answer given, and what it raised."""

    number: int
    answer: InspectionAnswer
    hazards: list = field(default_factory=list)
    photos: list = field(default_factory=list)

    @property
    def item(self):
        return self.answer.item


@dataclass
class DepartmentReport:
    inspection: Inspection
    kind: str
    departments: list  # the departments of this kind that took part
    rows: list[ReportRow]
    participants: list  # every department that took part

    @property
    def school(self) -> OrgNode:
        return self.inspection.org

    @property
    def sector(self) -> str:
        return sector_label(self.kind)

    @property
    def department_name(self) -> str:
        """The department(s) of this kind that took part, or the sector when none did."""
        return "、".join(d.name for d in self.departments) or self.sector

    @property
    def title(self) -> str:
        return _("%(school)s joint inspection — %(sector)s inspection record") % {
            "school": self.school.name,
            "sector": self.sector,
        }

    @property
    def inspected_at(self) -> datetime.datetime:
        return timezone.localtime(self.inspection.inspected_at)

    @property
    def date_text(self) -> str:
        return chinese_date(self.inspected_at.date())

    @property
    def inspector_name(self) -> str:
        inspector = self.inspection.inspector
        return inspector.display_name if inspector is not None else ""

    @property
    def photo_rows(self) -> list[ReportRow]:
        return [row for row in self.rows if row.photos]

    @property
    def hazards(self) -> list:
        return [h for row in self.rows for h in row.hazards]

    @property
    def counts(self) -> dict[str, int]:
        answers = [row.answer.answer for row in self.rows]
        return {
            "items": len(answers),
            "normal": answers.count(Answer.NORMAL),
            "abnormal": answers.count(Answer.ABNORMAL),
            "na": answers.count(Answer.NOT_APPLICABLE),
            "hazards": len(self.hazards),
            "open_hazards": sum(1 for h in self.hazards if h.status != Status.CLOSED),
        }


def parse_kind(value) -> str | None:
    """A department kind from a query parameter, or None when it names none."""
    value = str(value or "").strip()
    return value if value in KIND_ORDER else None


def department_report(inspection: Inspection, kind_or_department, *, user=None) -> DepartmentReport:
    """The record of one department's part of `inspection`.

    `kind_or_department` is a department kind ("police") or a Department, whose kind picks
    the items and whose name heads the record. With `user`, the hazards and photos shown are
    those the user may see (the caller has already fetched the inspection in the user's
    scope)."""
    if isinstance(kind_or_department, Department):
        kind = kind_or_department.kind
        departments = [kind_or_department]
    else:
        kind = parse_kind(kind_or_department)
        if kind is None:
            raise ValueError(f"not a department kind: {kind_or_department!r}")
        departments = None
    participants = list(inspection.departments.select_related("org").order_by("-org_path", "name"))
    if departments is None:
        departments = [d for d in participants if d.kind == kind]
    answers = [
        a
        for a in InspectionAnswer.objects.filter(inspection=inspection)
        .select_related("item", "spot")
        .order_by("item__position", "id")
        if kind in item_kinds(a.item)
    ]
    hazards = Hazard.objects.filter(inspection=inspection, answer__in=answers)
    if user is not None:
        hazards = hazards.for_user(user, "view")
    by_answer: dict[int, list] = {}
    for hazard in hazards.order_by("number"):
        by_answer.setdefault(hazard.answer_id, []).append(hazard)
    photos = _photos_of([h for found in by_answer.values() for h in found], user)
    rows = []
    for number, answer in enumerate(answers, 1):
        found = by_answer.get(answer.pk, [])
        rows.append(
            ReportRow(
                number=number,
                answer=answer,
                hazards=found,
                photos=[p for h in found for p in photos.get(h.pk, [])],
            )
        )
    return DepartmentReport(
        inspection=inspection,
        kind=kind,
        departments=departments,
        rows=rows,
        participants=participants,
    )


def _photos_of(hazards: list, user) -> dict[int, list]:
    """The photos taken when each hazard was found (kind "before"), in one query."""
    if not hazards:
        return {}
    from django.contrib.contenttypes.models import ContentType

    qs = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Hazard),
        object_id__in=[str(h.pk) for h in hazards],
        kind="before",
    )
    if user is not None:
        qs = qs.for_user(user, "view")
    out: dict[int, list] = {}
    for photo in qs.order_by("created_at", "id"):
        out.setdefault(int(photo.object_id), []).append(photo)
    return out


def reports_of(inspection: Inspection) -> list[dict]:
    """One line per department report of an inspection: its kind, sector and who took part
    (for the inspection's page)."""
    participants = list(inspection.departments.order_by("name"))
    return [
        {
            "kind": kind,
            "sector": sector_label(kind),
            "departments": [d for d in participants if d.kind == kind],
        }
        for kind in department_kinds_of(inspection)
    ]


# ------------------------------------------------------------------------ PDF and XLSX


def to_html(report: DepartmentReport, *, pdf: bool = False, **extra) -> str:
    """The record as a page (`pdf=False`, photos served by the attachment view) or as the
    source of its PDF (photos embedded, no toolbar)."""
    if pdf:
        for row in report.rows:
            for photo in row.photos:
                photo.embedded = _data_uri(photo)
    return render_to_string(
        "hazards/joint/report.html",
        {"report": report, "pdf": pdf, "serif": SERIF, "sans": SANS, **extra},
    )


def to_pdf(report: DepartmentReport) -> bytes:
    """A4 PDF with the Noto CJK fonts embedded, rendered by WeasyPrint like the bureau's
    official documents (core/documents.py)."""
    from weasyprint import HTML

    return HTML(string=to_html(report, pdf=True)).write_pdf()


def _data_uri(photo) -> str:
    """A stored photo inline in the PDF's HTML: nothing is fetched over a URL."""
    try:
        with photo.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError, OSError):
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def xlsx_headers() -> list[str]:
    return [
        _("No."),
        _("Item"),
        _("Category"),
        _("Answer"),
        _("Note"),
        _("Spot"),
        _("Hazard number"),
        _("Grade"),
        _("Status"),
    ]


def xlsx_rows(report: DepartmentReport) -> list[list]:
    """One row per item; an item that raised several hazards lists them in one cell each."""
    rows = []
    for row in report.rows:
        answer = row.answer
        rows.append(
            [
                row.number,
                answer.item.text,
                answer.item.get_category_display(),
                answer.get_answer_display(),
                answer.note,
                answer.spot.name if answer.spot_id else "",
                "、".join(h.number for h in row.hazards),
                "、".join(str(h.get_grade_display()) for h in row.hazards),
                "、".join(str(h.get_status_display()) for h in row.hazards),
            ]
        )
    return rows


def filename(report: DepartmentReport) -> str:
    return f"{report.school.name}-{report.sector}-{report.inspected_at:%Y%m%d}"
