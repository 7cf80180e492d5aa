"""Writes of emergency plans (应急预案): drafting, approving, new editions and retiring.

A plan is drafted, then approved (who approved it, when, and the date by which it is to be
reviewed: a year later unless the approver says otherwise). What was approved is what is on
file: an approved plan keeps its text, scenario and document, and only the people it names,
their phones and the review date may change. Revising it means a new edition — a draft copy
that supersedes it; when the new edition is approved the old one is retired, kept on file and
still readable, so what was in force when is never lost.

Each function checks the role table, refuses a stale `expected_version` (ConflictError), writes
its audit entry in the same transaction, and changes nothing — no row, no file — when it refuses.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.core.attachments import attach_document, documents_of, read_document
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import NotAllowed
from safecampus.core.services import claim_version, create_record, update_record
from safecampus.emergency.choices import PlanStatus, Scenario
from safecampus.emergency.models import EmergencyPlan, PlanContact
from safecampus.orgs.models import OrgNode

REVIEW_YEARS = 1
# The fields of an approved plan that may still change without a new edition.
APPROVED_EDITABLE = frozenset({"review_due", "approved_by_name", "approved_on"})
DRAFT_EDITABLE = frozenset({"scenario", "title", "edition", "covers_night", "summary"})
MAX_CONTACTS = 60


def _require(by, action: str, org) -> None:
    if by is not None and not can(by, action, EmergencyPlan, org):
        raise NotAllowed(_("Your role does not allow this here."))


def default_review_due(approved_on: datetime.date) -> datetime.date:
    """A year after approval (28 February for a plan approved on 29 February)."""
    try:
        return approved_on.replace(year=approved_on.year + REVIEW_YEARS)
    except ValueError:
        return approved_on.replace(year=approved_on.year + REVIEW_YEARS, day=28)


def default_title(org: OrgNode, scenario: str) -> str:
    return _("%(org)s %(scenario)s emergency plan") % {
        "org": org.name,
        "scenario": Scenario(scenario).label if scenario in Scenario.values else "",
    }


# ------------------------------------------------------------------------------ contacts


def contacts_check(org: OrgNode, contacts) -> list[dict]:
    """The duties a plan names, cleaned: each has a duty and a person of the plan's node (or a
    level above it) or a free name; a person's name and phone fill what was left blank."""
    cleaned = []
    errors = []
    for index, item in enumerate(contacts or ()):
        duty = (item.get("duty") or "").strip()
        person = item.get("person")
        name = (item.get("name") or "").strip()
        phone = (item.get("phone") or "").strip()
        if not (duty or person or name or phone):
            continue
        row = index + 1
        if not duty:
            errors.append(_("Row %(n)s: say what the duty is (总指挥, 疏散组, ...).") % {"n": row})
        if person is not None and not org.is_within_path(person.org_path):
            errors.append(
                _(
                    "Row %(n)s: the person must belong to the plan's school or region, or a level above it."
                )
                % {"n": row}
            )
        if person is None and not name:
            errors.append(_("Row %(n)s: choose a person or write a name.") % {"n": row})
        cleaned.append(
            {
                "duty": duty[:60],
                "person": person,
                "name": (name or (person.name if person else ""))[:50],
                "phone": (phone or (person.phone if person else ""))[:30],
            }
        )
    if len(cleaned) > MAX_CONTACTS:
        errors.append(_("A plan names at most %(n)s duties.") % {"n": MAX_CONTACTS})
    if errors:
        raise ValidationError({"contacts": errors})
    return cleaned


def _contacts_trail(rows) -> list[list[str]]:
    return [[r["duty"], f"{r['name']} {r['phone']}".strip()] for r in rows]


def _set_contacts(plan: EmergencyPlan, by, cleaned: list[dict]) -> None:
    before = _contacts_trail(
        {"duty": c.duty, "name": c.name, "phone": c.phone}
        for c in plan.contacts.order_by("position", "id")
    )
    plan.contacts.all().delete()
    rows = []
    for position, item in enumerate(cleaned):
        contact = PlanContact(plan=plan, position=position, **item)
        contact.full_clean()
        rows.append(contact)
    PlanContact.objects.bulk_create(rows)
    after = _contacts_trail(cleaned)
    if before != after:
        audit(instance=plan, action="update", by=by, changes={"duties": [before, after]})


def _attach(plan: EmergencyPlan, by, document) -> None:
    previous = documents_of(plan).first()
    stored = attach_document(upload=document, to=plan, by=by)
    audit(
        instance=plan,
        action="update",
        by=by,
        changes={"document": [previous.file.name if previous else None, stored.file.name]},
    )


def _check_document(document) -> None:
    """Refuse a bad document before anything is written, on the form's `document` field."""
    if document is None:
        return
    try:
        read_document(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.messages}) from None


# --------------------------------------------------------------------------------- writes


@transaction.atomic
def plan_create(
    *,
    by,
    org: OrgNode,
    scenario: str,
    title: str = "",
    edition: str = "",
    covers_night: bool = False,
    summary: str = "",
    contacts=(),
    document=None,
) -> EmergencyPlan:
    """A new plan of a school or region, as a draft."""
    if org is None:
        raise ValidationError({"org": [_("Choose the school or region.")]})
    _require(by, "add", org)
    cleaned = contacts_check(org, contacts)
    _check_document(document)
    plan = EmergencyPlan(
        org=org,
        scenario=scenario,
        title=(title or "").strip() or default_title(org, scenario),
        edition=edition,
        covers_night=covers_night,
        summary=summary,
        status=PlanStatus.DRAFT,
        created_by=by if getattr(by, "pk", None) else None,
    )
    create_record(instance=plan, by=by)
    if cleaned:
        PlanContact.objects.bulk_create(
            PlanContact(plan=plan, position=i, **item) for i, item in enumerate(cleaned)
        )
        audit(
            instance=plan,
            action="update",
            by=by,
            changes={"duties": [[], _contacts_trail(cleaned)]},
        )
    if document is not None:
        _attach(plan, by, document)
    return plan


def _fixed_changes(plan: EmergencyPlan, data: dict, editable: frozenset) -> list[str]:
    return [
        str(EmergencyPlan._meta.get_field(name).verbose_name)
        for name, value in data.items()
        if name not in editable and getattr(plan, name) != value
    ]


@transaction.atomic
def plan_update(
    *,
    plan: EmergencyPlan,
    by,
    data: dict,
    expected_version: int | None,
    contacts=None,
    document=None,
) -> EmergencyPlan:
    """Edit a plan: a draft wholly; an approved plan only its duties, phones, approval record
    and review date; a retired plan not at all. `contacts=None` leaves the duties as they are."""
    _require(by, "change", plan.org)
    if plan.status == PlanStatus.RETIRED:
        raise ValidationError(_("A retired plan is kept on file as it was; it cannot be edited."))
    data = dict(data)
    data.pop("org", None)
    data.pop("status", None)
    editable = APPROVED_EDITABLE if plan.status == PlanStatus.APPROVED else DRAFT_EDITABLE
    fixed = _fixed_changes(plan, data, editable)
    if plan.status == PlanStatus.APPROVED and (fixed or document is not None):
        what = "、".join(fixed + ([_("document")] if document is not None else []))
        raise ValidationError(
            _(
                "An approved plan is on file as approved: start a new edition to change its %(fields)s."
            )
            % {"fields": what}
        )
    if fixed:
        raise ValidationError(
            _("These fields cannot be edited: %(fields)s.") % {"fields": "、".join(fixed)}
        )
    data = {k: v for k, v in data.items() if k in editable}
    if "title" in data:
        data["title"] = (data["title"] or "").strip() or default_title(
            plan.org, data.get("scenario", plan.scenario)
        )
    approved_on = data.get("approved_on", plan.approved_on)
    review_due = data.get("review_due", plan.review_due)
    if plan.status == PlanStatus.APPROVED:
        _approval_check(
            approved_by_name=data.get("approved_by_name", plan.approved_by_name),
            approved_on=approved_on,
            review_due=review_due,
        )
    cleaned = contacts_check(plan.org, contacts) if contacts is not None else None
    _check_document(document)
    update_record(instance=plan, by=by, data=data, expected_version=expected_version)
    if cleaned is not None:
        _set_contacts(plan, by, cleaned)
    if document is not None:
        _attach(plan, by, document)
    return plan


def _approval_check(*, approved_by_name: str, approved_on, review_due) -> None:
    errors: dict[str, list] = {}
    today = timezone.localdate()
    if not (approved_by_name or "").strip():
        errors["approved_by_name"] = [_("Say who approved the plan (a person or a meeting).")]
    if approved_on is None:
        errors["approved_on"] = [_("Give the date of approval.")]
    elif approved_on > today:
        errors["approved_on"] = [_("The date of approval cannot be in the future.")]
    if approved_on is not None and review_due is not None and review_due <= approved_on:
        errors["review_due"] = [_("The review date must come after the date of approval.")]
    if errors:
        raise ValidationError(errors)


def _move(
    plan: EmergencyPlan, before: dict, *, by, transition: str, target: str, comment: str = ""
) -> None:
    """Save a status move whose version is claimed, with its audit entry (`before`: the
    plan's snapshot before the move)."""
    plan.status = target
    plan.full_clean()
    plan.save()
    audit(
        instance=plan,
        action="transition",
        transition=transition,
        by=by,
        comment=comment,
        changes=diff(before, snapshot(plan)),
    )


@transaction.atomic
def plan_approve(
    *,
    plan: EmergencyPlan,
    by,
    approved_by_name: str,
    approved_on: datetime.date | None = None,
    review_due: datetime.date | None = None,
    expected_version: int | None,
    comment: str = "",
) -> EmergencyPlan:
    """Approve a draft. The review date defaults to a year after approval. When the draft is a
    new edition, the edition it supersedes is retired now: it stays on file, no longer in force."""
    _require(by, "change", plan.org)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be approved.")]})
    approved_on = approved_on or timezone.localdate()
    review_due = review_due or default_review_due(approved_on)
    _approval_check(
        approved_by_name=approved_by_name, approved_on=approved_on, review_due=review_due
    )
    claim_version(plan, expected_version)
    before = snapshot(plan)
    plan.approved_by_name = approved_by_name.strip()
    plan.approved_on = approved_on
    plan.review_due = review_due
    _move(plan, before, by=by, transition="approve", target=PlanStatus.APPROVED, comment=comment)
    old = plan.supersedes
    if old is not None and old.status == PlanStatus.APPROVED:
        claim_version(old, None)
        _move(
            old,
            snapshot(old),
            by=by,
            transition="supersede",
            target=PlanStatus.RETIRED,
            comment=_("Superseded by %(plan)s.") % {"plan": plan},
        )
    return plan


@transaction.atomic
def plan_new_edition(
    *,
    plan: EmergencyPlan,
    by,
    edition: str,
    title: str = "",
    expected_version: int | None = None,
) -> EmergencyPlan:
    """Start the next edition of an approved plan: a draft copy (duties included, document not:
    the new text is uploaded to it) that supersedes the plan once approved."""
    _require(by, "add", plan.org)
    _require(by, "change", plan.org)
    if plan.status != PlanStatus.APPROVED:
        raise ValidationError({"status": [_("Only an approved plan can have a new edition.")]})
    edition = (edition or "").strip()
    if not edition:
        raise ValidationError({"edition": [_("Name the new edition, e.g. 2027年修订版.")]})
    if edition == plan.edition:
        raise ValidationError({"edition": [_("The new edition needs a name of its own.")]})
    pending = EmergencyPlan.objects.filter(supersedes=plan, status=PlanStatus.DRAFT).first()
    if pending is not None:
        raise ValidationError(
            _("A new edition of this plan is already being drafted: %(plan)s.") % {"plan": pending}
        )
    claim_version(plan, expected_version)  # two clicks make one edition, not two
    new = EmergencyPlan(
        org=plan.org,
        scenario=plan.scenario,
        title=(title or "").strip() or plan.title,
        edition=edition,
        covers_night=plan.covers_night,
        summary=plan.summary,
        status=PlanStatus.DRAFT,
        supersedes=plan,
        created_by=by if getattr(by, "pk", None) else None,
    )
    create_record(instance=new, by=by, comment=_("New edition of %(plan)s.") % {"plan": plan})
    rows = [
        {"duty": c.duty, "person": c.person, "name": c.name, "phone": c.phone}
        for c in plan.contacts.select_related("person").order_by("position", "id")
    ]
    if rows:
        _set_contacts(new, by, rows)
    audit(
        instance=plan,
        action="transition",
        transition="new_edition",
        by=by,
        comment=_("New edition drafted: %(plan)s.") % {"plan": new},
    )
    return new


@transaction.atomic
def plan_retire(
    *, plan: EmergencyPlan, by, reason: str, expected_version: int | None
) -> EmergencyPlan:
    """Take a plan out of force (or withdraw a draft) without a successor. It stays on file."""
    _require(by, "change", plan.org)
    if plan.status == PlanStatus.RETIRED:
        raise ValidationError({"status": [_("The plan is already retired.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the plan is retired.")]})
    claim_version(plan, expected_version)
    _move(
        plan, snapshot(plan), by=by, transition="retire", target=PlanStatus.RETIRED, comment=reason
    )
    return plan


# ---------------------------------------------------------------------------------- reads


def editions(plan: EmergencyPlan, plans) -> list[EmergencyPlan]:
    """Every edition of the plan's line, oldest first: those it superseded and those after,
    read from `plans` (the queryset the reader may see)."""
    chain = [plan]
    seen = {plan.pk}
    earlier_id = plan.supersedes_id
    while earlier_id is not None and earlier_id not in seen and len(chain) < 50:
        earlier = plans.filter(pk=earlier_id).first()
        if earlier is None:
            break
        chain.insert(0, earlier)
        seen.add(earlier.pk)
        earlier_id = earlier.supersedes_id
    later = plan
    while len(chain) < 50:
        later = plans.filter(supersedes=later).exclude(pk__in=seen).order_by("id").first()
        if later is None:
            break
        chain.append(later)
        seen.add(later.pk)
    return chain
