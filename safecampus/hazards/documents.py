"""The rectification notice (整改通知书) and the written warning (书面警告) of the ladder.

The county education bureau issues them to a school whose hazard is overdue. Each issued
document is the HazardEscalation row of its step for the hazard's current deadline, with its
document number (盐教安〔2026〕12号: the county's short name + 教安, the year, a sequence per
county and year). The text is rebuilt from the row and the hazard whenever it is downloaded.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.accounts.access import assignments, can
from safecampus.core.audit import audit
from safecampus.core.documents import OfficialDocument, chinese_date
from safecampus.core.errors import NotAllowed
from safecampus.hazards.choices import OPEN_STATUSES, EscalationStep
from safecampus.hazards.models import Hazard, HazardEscalation
from safecampus.hazards.services import numbering_region
from safecampus.orgs.choices import DepartmentKind
from safecampus.orgs.models import Department, OrgNode

DOCUMENT_STEPS = (EscalationStep.NOTICE, EscalationStep.WARNING)
ISSUER_ROLES = {"bureau_staff", "sysadmin"}
# Days the school is given from the date of the document to finish the rectification.
NEW_DEADLINE_DAYS = {EscalationStep.NOTICE: 7, EscalationStep.WARNING: 3}

LEGAL_BASIS = (
    "根据《中华人民共和国未成年人保护法》《中小学幼儿园安全管理办法》"
    "和学校安全隐患排查整治工作有关规定，现就有关事项通知如下："
)
TITLES = {
    EscalationStep.NOTICE: "关于{school}{br}安全隐患限期整改的通知书",
    EscalationStep.WARNING: "关于{school}{br}安全隐患逾期未整改的书面警告",
}
TITLE_LINE = 20  # characters of 2号 type on a line of the type area


# ---------------------------------------------------------------------------- the issuer


def county_of(hazard: Hazard) -> OrgNode:
    return numbering_region(hazard.org)


def issuer_name(county: OrgNode) -> str:
    """The county's education bureau: its Department of kind education, or 县名 + 教育体育局."""
    department = (
        Department.objects.filter(org=county, kind=DepartmentKind.EDUCATION).order_by("pk").first()
    )
    return department.name if department else f"{county.name}教育体育局"


def abbreviation(county: OrgNode) -> str:
    """盐池 → 盐教安: the first character of the short name would be the usual 机关代字, but
    the county's whole short name is kept so that two counties never share a prefix."""
    return f"{county.short_name or county.name}教安"


def number_prefix(county: OrgNode, year: int) -> str:
    return f"{abbreviation(county)}〔{year}〕"


_SEQUENCE = re.compile(r"〕(\d+)号$")


def next_document_number(county: OrgNode, year: int) -> str:
    """The next number of the county's year. Call inside a transaction holding the county."""
    prefix = number_prefix(county, year)
    numbers = HazardEscalation.objects.filter(
        hazard__org_path__startswith=county.path + ".", document_number__startswith=prefix
    ).values_list("document_number", flat=True)
    last = max((int(m.group(1)) for n in numbers if (m := _SEQUENCE.search(n))), default=0)
    return f"{prefix}{last + 1}号"


# -------------------------------------------------------------------------- the document


def notice_for(
    hazard: Hazard,
    step: str,
    number: str,
    *,
    issued_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
) -> OfficialDocument:
    """The notice or warning about `hazard` for `step`, numbered `number`.

    `issued_on` is the date of the document (today when absent); `deadline` the deadline it
    answers (the hazard's current one when absent)."""
    if step not in DOCUMENT_STEPS:
        raise ValueError(f"no document for step {step!r}")
    issued_on = issued_on or timezone.localdate()
    deadline = deadline or hazard.deadline or issued_on
    county = county_of(hazard)
    issuer = issuer_name(county)
    school = hazard.org.name
    overdue = max((issued_on - deadline).days, 0)
    new_deadline = issued_on + datetime.timedelta(days=NEW_DEADLINE_DAYS[step])
    with translation.override("zh-hans"):
        grade = str(hazard.get_grade_display())
        category = str(hazard.get_category_display())
    spot = hazard.spot.name if hazard.spot_id else "（未指定部位）"
    found = chinese_date(timezone.localtime(hazard.found_at).date())
    measures = (hazard.measures or "").strip().rstrip("。；;.") or (
        "制定整改方案，明确整改责任人、整改措施、整改资金和整改时限"
    )
    temporary = (hazard.temporary_measures or "").strip().rstrip("。；;.") or (
        "设置警示标志、落实专人看护，必要时停止使用相关场所和设施"
    )
    description = (hazard.description or "").strip().rstrip("。；;.")

    paragraphs = [
        f"经查，你校存在以下安全隐患，已超过整改时限仍未完成整改（隐患编号：{hazard.number}）："
        f"隐患部位为{spot}，隐患类别为{category}，隐患等级为{grade}，发现时间为{found}。"
        f"隐患情况：{description}。",
        f"该隐患原定整改时限为{chinese_date(deadline)}，截至{chinese_date(issued_on)}"
        f"已逾期{overdue}天。{LEGAL_BASIS}",
        f"一、立即落实临时管控措施：{temporary}，确保师生安全。",
        f"二、按照以下措施完成整改：{measures}。",
        f"三、于{chinese_date(new_deadline)}前完成整改，并将整改情况及整改前后照片"
        "通过平安校园平台提交验收。",
    ]
    if step == EscalationStep.NOTICE:
        paragraphs.append("逾期仍未完成整改的，我局将予以书面警告，并在全县教育系统内通报。")
    else:
        paragraphs.append(
            "你校收到整改通知书后仍未按期完成整改，现予以书面警告。"
            "逾期仍未完成整改的，我局将在全县教育系统内予以通报，"
            "并依规依纪追究有关责任人的责任。"
        )
    paragraphs.append("特此通知。" if step == EscalationStep.NOTICE else "特此警告。")
    return OfficialDocument(
        issuer=issuer,
        number=number,
        title=_title(step, school),
        addressee=school,
        paragraphs=paragraphs,
        attachments=[f"安全隐患整改情况回执（隐患编号：{hazard.number}）"],
        signature=issuer,
        date=issued_on,
    )


def _title(step: str, school: str) -> str:
    """One line when it fits, else broken after the school's name (a break by meaning)."""
    title = TITLES[step].format(school=school, br="")
    return title if len(title) <= TITLE_LINE else TITLES[step].format(school=school, br="\n")


def document_of(escalation: HazardEscalation) -> OfficialDocument:
    """The document an issued escalation row stands for, rebuilt from the row."""
    return notice_for(
        escalation.hazard,
        escalation.step,
        escalation.document_number,
        issued_on=timezone.localtime(escalation.at).date(),
        deadline=escalation.deadline,
    )


# ----------------------------------------------------------------------------- issuing


def may_issue(user, hazard: Hazard) -> bool:
    """Bureau staff and system administrators whose scope holds the hazard."""
    if not can(user, "change", Hazard, hazard.org):
        return False
    if user.is_superuser:
        return True
    path = hazard.org.path
    return any(
        a.role in ISSUER_ROLES and (path == a.org_path or path.startswith(a.org_path + "."))
        for a in assignments(user)
    )


def issue_refusal(hazard: Hazard, step: str, today: datetime.date) -> str | None:
    """Why `step` cannot be issued for `hazard` now, or None."""
    if step not in DOCUMENT_STEPS:
        return _("No document is issued for this step.")
    if hazard.status not in OPEN_STATUSES or hazard.deadline is None:
        return _("Only an open hazard with a deadline can be sent a notice or a warning.")
    if hazard.deadline >= today:
        return _("The hazard is not overdue.")
    done = HazardEscalation.objects.filter(
        hazard=hazard, step=step, deadline=hazard.deadline
    ).exclude(document_number="")
    if done.exists():
        return _("This document has already been issued for the current deadline.")
    return None


@transaction.atomic
def issue_document(*, hazard: Hazard, step: str, by, today=None) -> HazardEscalation:
    """Issue the notice or the warning for `hazard`: number it and record (or complete) the
    ladder's row for the current deadline. Audited; changes nothing when it refuses."""
    if not may_issue(by, hazard):
        raise NotAllowed(_("Only the bureau can issue notices and warnings."))
    today = today or timezone.localdate()
    hazard = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("org", "spot")
        .get(pk=hazard.pk)
    )
    refusal = issue_refusal(hazard, step, today)
    if refusal:
        raise ValidationError(refusal)
    county = county_of(hazard)
    # One number at a time per county: hold the county's row while counting.
    OrgNode.objects.select_for_update().filter(pk=county.pk).first()
    number = next_document_number(county, today.year)
    new_deadline = today + datetime.timedelta(days=NEW_DEADLINE_DAYS[step])
    note = _("Document %(number)s; rectify by %(date)s.") % {
        "number": number,
        "date": new_deadline.isoformat(),
    }
    row = HazardEscalation.objects.filter(
        hazard=hazard, step=step, deadline=hazard.deadline
    ).first()
    if row is None:
        row = HazardEscalation.objects.create(
            hazard=hazard,
            step=step,
            deadline=hazard.deadline,
            by=by,
            document_number=number,
            note=note,
        )
    else:  # the ladder recorded the step; the document completes it, dated today
        row.document_number = number
        row.by = row.by or by
        row.note = f"{row.note}\n{note}".strip()
        row.at = timezone.now()
        row.save(update_fields=["document_number", "by", "note", "at"])
    audit(
        instance=hazard,
        action="transition",
        transition=f"document:{step}",
        by=by,
        changes={"document_number": [None, number]},
        comment=number,
    )
    return row
