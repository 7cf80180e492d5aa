"""A joint inspection's record for one department: a printable page, its PDF and its XLSX,
and the departments that may join a school's check (HTMX, for the phone form).

The department is `?kind=police`, or `?department=<id>` of a department that took part;
without either, the first record the inspection yields. The inspection is fetched through
`scoped_get`: outside the user's scope every one of these answers 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET

from safecampus.core.listing import scoped_get, xlsx_response
from safecampus.hazards import joint
from safecampus.hazards.forms import InspectionForm, schools_where
from safecampus.hazards.models import Inspection
from safecampus.orgs.models import OrgNode


def _report(request, pk) -> joint.DepartmentReport:
    """The inspection in the user's scope (404 otherwise) and the department asked for."""
    user = request.user
    inspection = scoped_get(
        user,
        Inspection.objects.select_related("org", "inspector", "checklist__template"),
        pk=pk,
    )
    raw_department = request.GET.get("department", "")
    if raw_department.isdigit():
        department = inspection.departments.filter(pk=raw_department).first()
        if department is None:
            raise Http404
        return joint.department_report(inspection, department, user=user)
    kinds = joint.department_kinds_of(inspection)
    raw_kind = request.GET.get("kind", "")
    kind = joint.parse_kind(raw_kind) if raw_kind else (kinds[0] if kinds else None)
    if kind not in kinds:
        raise Http404
    return joint.department_report(inspection, kind, user=user)


def _query(report: joint.DepartmentReport, request) -> str:
    raw = request.GET.get("department", "")
    return urlencode({"department": raw} if raw.isdigit() else {"kind": report.kind})


@login_required
@require_GET
def report(request, pk):
    record = _report(request, pk)
    query = _query(record, request)
    others = [
        {
            "sector": line["sector"],
            "url": reverse("hazard_joint:report", args=[pk]) + "?kind=" + line["kind"],
            "current": line["kind"] == record.kind,
        }
        for line in joint.reports_of(record.inspection)
    ]
    html = joint.to_html(
        record,
        pdf=False,
        others=others,
        pdf_url=reverse("hazard_joint:pdf", args=[pk]) + "?" + query,
        xlsx_url=reverse("hazard_joint:xlsx", args=[pk]) + "?" + query,
        back_url=reverse("hazards:inspection", args=[pk]),
    )
    return HttpResponse(html)


@login_required
@require_GET
def report_pdf(request, pk):
    record = _report(request, pk)
    response = HttpResponse(joint.to_pdf(record), content_type="application/pdf")
    inline = request.GET.get("download") != "1"
    response["Content-Disposition"] = content_disposition_header(
        not inline, joint.filename(record) + ".pdf"
    )
    return response


@login_required
@require_GET
def report_xlsx(request, pk):
    record = _report(request, pk)
    return xlsx_response(
        filename=joint.filename(record),
        title=record.sector,
        headers=joint.xlsx_headers(),
        rows=joint.xlsx_rows(record),
    )


@login_required
@require_GET
def department_options(request):
    """The checkboxes of the departments that may join a check of the chosen school."""
    user = request.user
    raw = request.GET.get("school", "")
    school = None
    if raw.isdigit():
        school = schools_where(user, "add", Inspection).filter(pk=raw).first()
    departments = joint.joinable_departments(user, school)
    form = InspectionForm(
        user=user, items=[], schools=OrgNode.objects.none(), departments=departments
    )
    return render(request, "hazards/joint/_departments.html", {"form": form})
