"""Pages of the organisation tree: tree browser, node and school pages, departments, people and
leadership groups. Reads start from `for_user` (selectors or `scoped_get`: out of scope is
404), writes check the role table first (403) and go through the audited services."""

from copy import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, ProtectedError, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.audit_views import history_for
from safecampus.core.listing import (
    ScopedListView,
    apply_errors,
    form_page,
    require,
    scoped_get,
)
from safecampus.core.models import AuditEntry
from safecampus.core.services import create_record, delete_record, update_record
from safecampus.orgs import forms as f
from safecampus.orgs import selectors, services
from safecampus.orgs.choices import ALLOWED_CHILDREN, NodeKind
from safecampus.orgs.models import (
    Department,
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
)

GET_POST = require_http_methods(["GET", "POST"])


def _node_param(request, model, action="add"):
    """The node named by ?node= (for "add here" links), if the user sees it."""
    raw = request.GET.get("node") or request.POST.get("org")
    if not raw or not str(raw).isdigit():
        return None
    node = selectors.visible_nodes(request.user).filter(pk=raw).first()
    if node is not None and not can(request.user, action, model, node):
        raise PermissionDenied(_("Your role does not allow this here."))
    return node


def _breadcrumbs(user, node: OrgNode, *, include_self=True) -> list[dict]:
    """Ancestors as text, the ones inside the user's scope as links."""
    chain = list(node.ancestors())
    if include_self:
        chain.append(node)
    return [
        {
            "node": n,
            "url": reverse("orgs:node", args=[n.pk]) if can(user, "view", OrgNode, n) else "",
        }
        for n in chain
    ]


# ---------------------------------------------------------------------------- tree and nodes


@login_required
def tree(request):
    user = request.user
    roots = list(selectors.top_nodes(user).order_by("path"))
    sections = []
    for root in roots:
        sections.append(
            {
                "node": root,
                "rows": selectors.children_rows(user, root),
                "figures": selectors.subtree_figures(user, root),
            }
        )
    return render(
        request,
        "orgs/tree.html",
        {
            "nav_active": "orgs",
            "sections": sections,
            "can_add_org": can_anywhere(user, "add", OrgNode),
        },
    )


@login_required
def node_children(request, pk):
    node = scoped_get(request.user, OrgNode, pk=pk)
    if not request.htmx:
        return redirect("orgs:node", pk=node.pk)
    try:
        level = min(max(int(request.GET.get("level", "1")), 1), 12)
    except ValueError:
        level = 1
    return render(
        request,
        "orgs/_children_rows.html",
        {"rows": selectors.children_rows(request.user, node), "level": level, "parent": node},
    )


@login_required
def node_detail(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    school = None
    if node.is_school:
        school = School.objects.for_user(user).filter(node=node).first()
    can_dept = can(user, "view", Department, node)
    can_person = can(user, "view", Person, node)
    can_group = can(user, "view", LeadershipGroup, node)
    people = people_total = None
    if can_person:
        people_qs = Person.objects.for_user(user).filter(org=node).select_related("department")
        people_total = people_qs.count()
        people = list(people_qs[:20])
    allowed = ALLOWED_CHILDREN[node.kind]
    can_add_org = can(user, "add", OrgNode, node)
    ctx = {
        "nav_active": "orgs",
        "node": node,
        "school": school,
        "breadcrumbs": _breadcrumbs(user, node, include_self=False),
        "rows": selectors.children_rows(user, node) if allowed else [],
        "figures": None if node.is_school else selectors.subtree_figures(user, node),
        "departments": list(Department.objects.for_user(user).filter(org=node))
        if can_dept
        else None,
        "people": people,
        "people_total": people_total,
        "groups": list(
            LeadershipGroup.objects.for_user(user)
            .filter(org=node)
            .annotate(n_members=Count("members"))
        )
        if can_group
        else None,
        "history": history_for(user, node, node),
        "can_change": can(user, "change", OrgNode, node),
        "can_add_region": can_add_org and bool(allowed - {NodeKind.SCHOOL}),
        "can_add_school": can_add_org and NodeKind.SCHOOL in allowed,
        "can_add_department": can(user, "add", Department, node),
        "can_add_person": can(user, "add", Person, node),
        "can_add_group": can(user, "add", LeadershipGroup, node),
        "can_audit": can(user, "view", AuditEntry, node),
    }
    return render(request, "orgs/node.html", ctx)


@login_required
@GET_POST
def node_add(request, pk):
    user = request.user
    parent = scoped_get(user, OrgNode, pk=pk)
    require(user, "add", OrgNode, parent)
    if not ALLOWED_CHILDREN[parent.kind] - {NodeKind.SCHOOL}:
        raise Http404
    form = f.NodeCreateForm(request.POST or None, parent=parent)

    def save():
        node = services.node_create(parent=parent, by=user, **form.cleaned_data)
        return _("Created %(name)s.") % {"name": node.name}, reverse("orgs:node", args=[node.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="orgs",
        title=_("New sub-region of %(name)s") % {"name": parent.name},
        breadcrumbs=_breadcrumbs(user, parent),
        cancel_url=reverse("orgs:node", args=[parent.pk]),
    )


@login_required
@GET_POST
def school_add(request, pk):
    user = request.user
    parent = scoped_get(user, OrgNode, pk=pk)
    require(user, "add", OrgNode, parent)
    if NodeKind.SCHOOL not in ALLOWED_CHILDREN[parent.kind]:
        raise Http404
    form = f.SchoolForm(request.POST or None)

    def save():
        node_data = form.node_data()
        node_data.pop("is_active", None)
        school = services.school_create(parent=parent, by=user, **node_data, **form.profile_data())
        return (
            _("Created %(name)s.") % {"name": school.node.name},
            reverse("orgs:node", args=[school.node_id]),
        )

    return form_page(
        request,
        form,
        save=save,
        nav="orgs",
        title=_("New school under %(name)s") % {"name": parent.name},
        breadcrumbs=_breadcrumbs(user, parent),
        cancel_url=reverse("orgs:node", args=[parent.pk]),
    )


@login_required
@GET_POST
def node_edit(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    require(user, "change", OrgNode, node)
    school = None
    if node.is_school:
        school = School.objects.for_user(user).filter(node=node).select_related("node").first()
        if school is None:  # a school node made without a profile: the edit creates it
            school = School(node=node)
        form = f.SchoolForm(request.POST or None, instance=copy(school))
    else:
        form = f.NodeEditForm(request.POST or None, instance=copy(node))

    def save():
        version = form.cleaned_data["version"]
        if school is not None:
            school.node = node
            services.school_update(
                school=school,
                by=user,
                data={**form.node_data(), **form.profile_data()},
                expected_version=version,
            )
        else:
            services.node_update(
                node=node,
                by=user,
                data=form.changed_data_for_service(),
                expected_version=version,
            )
        return _("Saved."), reverse("orgs:node", args=[node.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="orgs",
        title=_("Edit %(name)s") % {"name": node.name},
        breadcrumbs=_breadcrumbs(user, node),
        cancel_url=reverse("orgs:node", args=[node.pk]),
    )


# ---------------------------------------------------------------------------- schools ledger


class SchoolListView(ScopedListView):
    model = School
    template_name = "orgs/schools.html"
    nav = "schools"
    filter_form_class = f.SchoolFilterForm
    export_name = gettext_lazy("Schools")
    export_columns = [
        (gettext_lazy("School"), lambda s: s.node.name),
        (gettext_lazy("Identification code"), lambda s: s.node.code),
        (gettext_lazy("School kind"), lambda s: s.get_school_kind_display()),
        (gettext_lazy("Above"), lambda s: s.node.parent.name if s.node.parent_id else ""),
        (gettext_lazy("Ownership"), lambda s: s.get_ownership_display()),
        (gettext_lazy("Boarding"), lambda s: _("Yes") if s.boarding else _("No")),
        (gettext_lazy("Enrolment"), lambda s: s.enrolment),
        (gettext_lazy("Boarding students"), lambda s: s.boarders),
        (gettext_lazy("Staff"), lambda s: s.staff_count),
        (gettext_lazy("Storeys"), lambda s: s.storeys),
        (gettext_lazy("Principal"), lambda s: s.principal_name),
        (gettext_lazy("Phone"), lambda s: s.phone),
        (gettext_lazy("Address"), lambda s: s.address),
        (gettext_lazy("Latitude"), lambda s: float(s.latitude) if s.latitude is not None else None),
        (
            gettext_lazy("Longitude"),
            lambda s: float(s.longitude) if s.longitude is not None else None,
        ),
    ]

    def decorate(self, qs):
        return qs.select_related("node", "node__parent")

    def filter_queryset(self, qs, data):
        return selectors.schools(
            self.request.user, node=data.get("node"), kind=data.get("kind", ""), q=data.get("q", "")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["totals"] = (
            self.get_queryset()
            .order_by()
            .aggregate(students=Sum("enrolment"), staff=Sum("staff_count"))
        )
        return ctx


# ---------------------------------------------------------------------------- departments


class DepartmentListView(ScopedListView):
    model = Department
    template_name = "orgs/departments.html"
    nav = "departments"
    filter_form_class = f.DepartmentFilterForm
    offers_add = True
    export_name = gettext_lazy("Departments")
    export_columns = [
        (gettext_lazy("Department"), lambda d: d.name),
        (gettext_lazy("Department kind"), lambda d: d.get_kind_display()),
        (gettext_lazy("Attached to"), lambda d: d.org.name),
        (gettext_lazy("Phone"), lambda d: d.phone),
        (gettext_lazy("Address"), lambda d: d.address),
    ]

    def decorate(self, qs):
        return (
            qs.select_related("org").annotate(n_people=Count("people")).order_by("org_path", "name")
        )

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("q"):
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(phone__contains=data["q"]))
        return qs


@login_required
def department_detail(request, pk):
    user = request.user
    dept = scoped_get(user, Department.objects.select_related("org"), pk=pk)
    people = list(Person.objects.for_user(user).filter(department=dept).select_related("org")[:100])
    return render(
        request,
        "orgs/department.html",
        {
            "nav_active": "departments",
            "dept": dept,
            "people": people,
            "breadcrumbs": _breadcrumbs(user, dept.org),
            "history": history_for(user, dept),
            "can_change": can(user, "change", Department, dept.org),
        },
    )


def _create_page(request, *, model, form_class, title, nav, detail_name):
    user = request.user
    if not can_anywhere(user, "add", model):
        raise PermissionDenied(_("Your role does not allow this here."))
    node = _node_param(request, model)
    initial = {"org": node.pk} if node is not None else {}
    form = form_class(request.POST or None, initial=initial, user=user)

    def save():
        require(user, "add", model, form.cleaned_data["org"])
        obj = create_record(instance=form.instance, by=user)
        return _("Created %(name)s.") % {"name": obj}, reverse(detail_name, args=[obj.pk])

    return form_page(
        request,
        form,
        save=save,
        nav=nav,
        title=title,
        breadcrumbs=_breadcrumbs(user, node) if node is not None else [],
        cancel_url=reverse("orgs:node", args=[node.pk]) if node is not None else "",
    )


def _edit_page(request, *, obj, form_class, nav, detail_name):
    user = request.user
    model = type(obj)
    require(user, "change", model, obj.org)
    form = form_class(request.POST or None, instance=copy(obj), user=user)

    def save():
        data = form.changed_data_for_service()
        if data.get("org") is not None and data["org"].pk != obj.org_id:
            require(user, "add", model, data["org"])
        update_record(
            instance=obj, by=user, data=data, expected_version=form.cleaned_data["version"]
        )
        return _("Saved."), reverse(detail_name, args=[obj.pk])

    return form_page(
        request,
        form,
        save=save,
        nav=nav,
        title=_("Edit %(name)s") % {"name": obj},
        breadcrumbs=_breadcrumbs(user, obj.org),
        cancel_url=reverse(detail_name, args=[obj.pk]),
    )


@login_required
@GET_POST
def department_add(request):
    return _create_page(
        request,
        model=Department,
        form_class=f.DepartmentForm,
        title=_("New department"),
        nav="departments",
        detail_name="orgs:department",
    )


@login_required
@GET_POST
def department_edit(request, pk):
    dept = scoped_get(request.user, Department.objects.select_related("org"), pk=pk)
    return _edit_page(
        request,
        obj=dept,
        form_class=f.DepartmentForm,
        nav="departments",
        detail_name="orgs:department",
    )


# ---------------------------------------------------------------------------- people


class PeopleListView(ScopedListView):
    model = Person
    template_name = "orgs/people.html"
    nav = "people"
    filter_form_class = f.PeopleFilterForm
    offers_add = True
    export_name = gettext_lazy("People")
    export_columns = [
        (gettext_lazy("Name"), lambda p: p.name),
        (gettext_lazy("Phone"), lambda p: p.phone),
        (gettext_lazy("Post"), lambda p: p.post),
        (gettext_lazy("Unit"), lambda p: p.unit),
        (gettext_lazy("Department"), lambda p: p.department.name if p.department_id else ""),
        (gettext_lazy("Organisation"), lambda p: p.org.name),
        (gettext_lazy("Notes"), lambda p: p.notes),
    ]

    def decorate(self, qs):
        return qs.select_related("org", "department")

    def filter_queryset(self, qs, data):
        return selectors.people(self.request.user, node=data.get("node"), q=data.get("q", ""))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = self.filters.cleaned_data.get("node") if self.filters.is_bound else None
        ctx["add_url"] = reverse("orgs:person_add") + (f"?node={node.pk}" if node else "")
        return ctx


@login_required
def person_detail(request, pk):
    user = request.user
    person = scoped_get(user, Person.objects.select_related("org", "department", "user"), pk=pk)
    memberships = list(
        LeadershipGroupMember.objects.for_user(user)
        .filter(person=person)
        .select_related("group", "group__org")
    )
    return render(
        request,
        "orgs/person.html",
        {
            "nav_active": "people",
            "person": person,
            "memberships": memberships,
            "breadcrumbs": _breadcrumbs(user, person.org),
            "history": history_for(user, person),
            "can_change": can(user, "change", Person, person.org),
            "can_delete": can(user, "delete", Person, person.org),
        },
    )


@login_required
@GET_POST
def person_add(request):
    return _create_page(
        request,
        model=Person,
        form_class=f.PersonForm,
        title=_("New person"),
        nav="people",
        detail_name="orgs:person",
    )


@login_required
@GET_POST
def person_edit(request, pk):
    person = scoped_get(request.user, Person.objects.select_related("org"), pk=pk)
    return _edit_page(
        request, obj=person, form_class=f.PersonForm, nav="people", detail_name="orgs:person"
    )


@login_required
@GET_POST
def person_delete(request, pk):
    user = request.user
    person = scoped_get(user, Person.objects.select_related("org"), pk=pk)
    require(user, "delete", Person, person.org)
    if request.method == "POST":
        try:
            delete_record(instance=person, by=user)
        except ProtectedError:
            messages.error(
                request,
                _("%(name)s is a member of a leadership group: remove them from it first.")
                % {"name": person.name},
            )
            return redirect("orgs:person", pk=person.pk)
        messages.success(request, _("Deleted %(name)s.") % {"name": person.name})
        return redirect(reverse("orgs:people") + f"?node={person.org_id}")
    return render(
        request,
        "core/confirm_delete.html",
        {
            "nav_active": "people",
            "object": person,
            "breadcrumbs": _breadcrumbs(user, person.org),
            "cancel_url": reverse("orgs:person", args=[person.pk]),
        },
    )


# ---------------------------------------------------------------------------- leadership groups


class GroupListView(ScopedListView):
    model = LeadershipGroup
    template_name = "orgs/groups.html"
    nav = "groups"
    filter_form_class = f.GroupFilterForm
    offers_add = True
    export_name = gettext_lazy("Leadership groups")
    export_columns = [
        (gettext_lazy("Group name"), lambda g: g.name),
        (gettext_lazy("Kind"), lambda g: g.get_kind_display()),
        (gettext_lazy("Organisation"), lambda g: g.org.name),
        (gettext_lazy("Document number"), lambda g: g.document_number),
        (gettext_lazy("Established on"), lambda g: g.established_on),
        (gettext_lazy("Members"), lambda g: g.n_members),
        (gettext_lazy("Responsibilities"), lambda g: g.purpose),
    ]

    def decorate(self, qs):
        return (
            qs.select_related("org")
            .annotate(n_members=Count("members"))
            .order_by("org_path", "name")
        )

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("q"):
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(document_number__icontains=data["q"]))
        return qs


@login_required
def group_detail(request, pk):
    user = request.user
    group = scoped_get(user, LeadershipGroup.objects.select_related("org"), pk=pk)
    members = list(
        LeadershipGroupMember.objects.for_user(user)
        .filter(group=group)
        .select_related("person")
        .order_by("position", "id")
    )
    return render(
        request,
        "orgs/group.html",
        {
            "nav_active": "groups",
            "group": group,
            "members": members,
            "breadcrumbs": _breadcrumbs(user, group.org),
            "history": history_for(user, group),
            "can_change": can(user, "change", LeadershipGroup, group.org),
        },
    )


@login_required
@GET_POST
def group_add(request):
    return _create_page(
        request,
        model=LeadershipGroup,
        form_class=f.GroupForm,
        title=_("New leadership group"),
        nav="groups",
        detail_name="orgs:group",
    )


@login_required
@GET_POST
def group_edit(request, pk):
    group = scoped_get(request.user, LeadershipGroup.objects.select_related("org"), pk=pk)
    return _edit_page(
        request, obj=group, form_class=f.GroupForm, nav="groups", detail_name="orgs:group"
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


@login_required
@GET_POST
def group_members(request, pk):
    user = request.user
    group = scoped_get(user, LeadershipGroup.objects.select_related("org"), pk=pk)
    require(user, "change", LeadershipGroup, group.org)
    current = list(
        LeadershipGroupMember.objects.for_user(user)
        .filter(group=group)
        .select_related("person")
        .order_by("position", "id")
    )
    people = (
        Person.objects.for_user(user)
        .filter(Q(org_path__within=group.org_path) | Q(pk__in=[m.person_id for m in current]))
        .order_by("org_path", "name")
    )
    initial = [
        {"person": m.person_id, "group_role": m.group_role, "post": m.post, "unit": m.unit}
        for m in current
    ]
    if request.method == "POST":
        version_form = VersionForm(request.POST)
        formset = f.MemberFormSet(request.POST, people=people, prefix="m")
    else:
        version_form = VersionForm(initial={"version": group.version})
        formset = f.MemberFormSet(initial=initial, people=people, prefix="m")
    if request.method == "POST" and version_form.is_valid() and formset.is_valid():
        try:
            services.group_set_members(
                group=group,
                by=user,
                members=formset.members(),
                expected_version=version_form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(formset, exc)
        else:
            messages.success(request, _("Members saved."))
            return redirect("orgs:group", pk=group.pk)
    return render(
        request,
        "orgs/group_members.html",
        {
            "nav_active": "groups",
            "group": group,
            "formset": formset,
            "version_form": version_form,
            "breadcrumbs": _breadcrumbs(user, group.org),
        },
    )


urlpatterns = [
    path("", tree, name="tree"),
    path("node/<int:pk>/", node_detail, name="node"),
    path("node/<int:pk>/children/", node_children, name="node_children"),
    path("node/<int:pk>/add/", node_add, name="node_add"),
    path("node/<int:pk>/add-school/", school_add, name="school_add"),
    path("node/<int:pk>/edit/", node_edit, name="node_edit"),
    path("schools/", SchoolListView.as_view(), name="schools"),
    path("departments/", DepartmentListView.as_view(), name="departments"),
    path("departments/add/", department_add, name="department_add"),
    path("departments/<int:pk>/", department_detail, name="department"),
    path("departments/<int:pk>/edit/", department_edit, name="department_edit"),
    path("people/", PeopleListView.as_view(), name="people"),
    path("people/add/", person_add, name="person_add"),
    path("people/<int:pk>/", person_detail, name="person"),
    path("people/<int:pk>/edit/", person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", person_delete, name="person_delete"),
    path("groups/", GroupListView.as_view(), name="groups"),
    path("groups/add/", group_add, name="group_add"),
    path("groups/<int:pk>/", group_detail, name="group"),
    path("groups/<int:pk>/edit/", group_edit, name="group_edit"),
    path("groups/<int:pk>/members/", group_members, name="group_members"),
]
