"""Pages of reports by anyone: the phone form behind a school's public link (no login), its
thank-you page, and the printable poster of the school's report QR code (staff only)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from safecampus.core.listing import apply_errors, scoped_get
from safecampus.core.middleware import client_ip
from safecampus.hazards import public, qr
from safecampus.hazards.choices import Category
from safecampus.hazards.forms import PhotosField, schools_where
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import OrgNode

MAX_PHOTOS = 3
THANKS_KEY = "hazard_public.last_number"


class PublicReportForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=Category.choices, initial=Category.OTHER
    )
    place = forms.CharField(
        label=gettext_lazy("Where?"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("e.g. the stairs of the teaching building, 2nd floor"),
    )
    photos = PhotosField(label=gettext_lazy("Photo (optional)"))
    reporter_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"), max_length=50, required=False
    )
    reporter_phone = forms.RegexField(
        label=gettext_lazy("Your phone (optional)"),
        regex=r"^[0-9+\- ]{5,30}$",
        max_length=30,
        required=False,
        help_text=gettext_lazy("Only the school sees it, to ask you more if needed."),
        error_messages={"invalid": gettext_lazy("Enter a phone number.")},
    )

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(count)d photos.") % {"count": MAX_PHOTOS})
        return photos


def _school(token: str) -> OrgNode:
    school = public.school_for_token(token)
    if school is None:
        raise Http404
    return school


@require_http_methods(["GET", "POST"])
def report(request, token):
    """The public form: CSRF-protected like every POST, limited per address and per school."""
    school = _school(token)
    form = PublicReportForm(request.POST or None, request.FILES or None)
    limited = False
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        if public.rate_limited(ip, school):
            limited = True
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                hazard = public.public_report(
                    school=school,
                    description=data["description"],
                    category=data["category"],
                    place=data["place"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    photos=data["photos"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                public.count_report(ip, school)
                request.session[THANKS_KEY] = hazard.number
                return redirect("hazard_public:thanks", token=token)
    return render(
        request,
        "hazards/public/report.html",
        {"school": school, "form": form, "limited": limited},
        status=status,
    )


def thanks(request, token):
    school = _school(token)
    number = request.session.pop(THANKS_KEY, "")
    return render(
        request,
        "hazards/public/thanks.html",
        {"school": school, "number": number, "again": public.report_path(school)},
    )


@login_required
def poster(request):
    """A printable poster of the school's report QR code, for its gate and notice boards."""
    user = request.user
    raw = request.GET.get("school", "")
    if raw.isdigit():
        school = scoped_get(user, OrgNode, pk=raw)
    else:
        schools = list(schools_where(user, "view", Hazard)[:2])
        if len(schools) != 1:
            raise Http404
        school = schools[0]
    if not school.is_school or not schools_where(user, "view", Hazard).filter(pk=school.pk):
        raise Http404
    url = public.report_url(school, request)
    return render(
        request,
        "hazards/public/poster.html",
        {"school": school, "url": url, "svg": qr.qr_svg(url, scale=8)},
    )
