"""`safecampus seed-demo [--schools N] [--seed S]`: load the demo world.

A county-scale slice of 宁夏回族自治区 吴忠市 (see `orgs.demo_data`): three counties, about
twenty townships with villages, N schools of every kind, departments, people, leadership
groups modelled on seed 000's annex, and one login per role (password `safecampus-demo`),
listed in `var/demo-users.json`.

After the world, `hazards.demo` adds a year of activity: spots and standard schedules for
every school, inspections, and hazards in every state of the workflow; `hazards.demo_review`
the weekly analyses, the inspectors' visits and the bureau's notices; `notify.demo` the
inboxes and the county's group robot (see their docstrings). All three take the same "now".

The world is written with bulk inserts so that 200 schools load in a few seconds and 2,000
still load quickly. Paths are allocated here exactly as `orgs.services` would (fixed-width
segments from `path_segment`, each parent's `last_child` set to its number of children).
No audit entries are written: the seed is the initial state of the database, not a change
that someone made. Running the command again on a loaded database changes nothing (a database
seeded before a part of the activity existed gets that part, once).
"""

import json
import time
from collections import defaultdict

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.commands import Command as TranslatedHelpCommand
from safecampus.emergency import demo as emergency_demo
from safecampus.hazards import demo as hazards_demo
from safecampus.hazards import demo_review
from safecampus.hazards.spotchecks import load_spotchecks
from safecampus.notify import demo as notify_demo
from safecampus.orgs import demo_data
from safecampus.orgs.choices import GROUP_ROLE_ORDER
from safecampus.orgs.models import (
    Department,
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
    path_segment,
)


def logins_file():
    return settings.VAR_DIR / "demo-users.json"


def demo_logins() -> list[dict]:
    """The demo accounts on file, as written to var/demo-users.json."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=demo_data.DEMO_USERNAMES).select_related("org")
    }
    first_role = {}
    for a in RoleAssignment.objects.filter(user__in=users.values()).order_by("id"):
        first_role.setdefault(a.user_id, a.role)
    return [
        {
            "username": name,
            "password": demo_data.DEMO_PASSWORD,
            "role": first_role.get(users[name].pk, ""),
            "org": users[name].org.name if users[name].org_id else "",
            "org_id": users[name].org_id,
        }
        for name in demo_data.DEMO_USERNAMES
        if name in users
    ]


def write_logins_file() -> int:
    rows = demo_logins()
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(rows)


def _next_root_number() -> int:
    last = (
        OrgNode.objects.filter(parent__isnull=True)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return int(last, 36) + 1 if last else 1


def _bulk(model, objects: list) -> list:
    created = model.objects.bulk_create(objects, batch_size=500)
    if created and created[0].pk is None:  # pragma: no cover - every supported database returns ids
        raise CommandError("The database did not return the ids of the inserted rows.")
    return created


def load(world: demo_data.DemoWorld) -> dict:
    """Write the world. Returns the counts."""
    nodes: dict[str, OrgNode] = {}
    children = defaultdict(int)
    root_number = _next_root_number()
    by_depth = defaultdict(list)
    for spec in world.nodes:
        by_depth[spec.key.count("/")].append(spec)
    for depth in sorted(by_depth):
        batch = []
        for spec in by_depth[depth]:
            if spec.parent is None:
                path = path_segment(root_number)
                root_number += 1
                parent = None
            else:
                parent = nodes[spec.parent]
                children[spec.parent] += 1
                path = f"{parent.path}.{path_segment(children[spec.parent])}"
            batch.append(
                OrgNode(
                    parent=parent,
                    kind=spec.kind,
                    name=spec.name,
                    short_name=spec.short_name,
                    code=spec.code,
                    path=path,
                    depth=depth + 1,
                )
            )
        for spec, node in zip(by_depth[depth], _bulk(OrgNode, batch), strict=True):
            nodes[spec.key] = node
    parents = []
    for key, count in children.items():
        nodes[key].last_child = count
        parents.append(nodes[key])
    OrgNode.objects.bulk_update(parents, ["last_child"], batch_size=500)

    _bulk(School, [School(node=nodes[s.key], **s.school) for s in world.schools])

    departments: dict[str, Department] = {}
    batch = [
        Department(
            org=nodes[d.node],
            org_path=nodes[d.node].path,
            kind=d.kind,
            name=d.name,
            phone=d.phone,
            address=d.address,
        )
        for d in world.departments
    ]
    for spec, dept in zip(world.departments, _bulk(Department, batch), strict=True):
        departments[spec.key] = dept

    # One hash for every demo account: they share the published demo password anyway, and
    # hashing it eleven times would be most of the run.
    password = make_password(demo_data.DEMO_PASSWORD)
    users: dict[str, User] = {}
    for spec in world.users:
        person = world.people[spec.person]
        user = User(
            username=spec.username,
            last_name=person.name[0],
            first_name=person.name[1:],
            phone=person.phone,
            org=nodes[spec.node],
            password=password,
        )
        user.save()
        users[spec.username] = user
        for role, node_key, dept_key in spec.assignments:
            assignment = RoleAssignment(
                user=user,
                role=role,
                org=nodes[node_key],
                department=departments[dept_key] if dept_key else None,
            )
            assignment.full_clean(exclude=["user"])
            assignment.save()

    batch = [
        Person(
            org=nodes[p.node],
            org_path=nodes[p.node].path,
            name=p.name,
            phone=p.phone,
            post=p.post,
            unit=p.unit,
            department=departments[p.department] if p.department else None,
            user=users[p.user] if p.user else None,
        )
        for p in world.people
    ]
    people = _bulk(Person, batch)

    batch = [
        LeadershipGroup(
            org=nodes[g.node], org_path=nodes[g.node].path, name=g.name, purpose=g.purpose
        )
        for g in world.groups
    ]
    members = []
    for spec, group in zip(world.groups, _bulk(LeadershipGroup, batch), strict=True):
        ordered = sorted(spec.members, key=lambda m: GROUP_ROLE_ORDER.get(m[1], 9))
        for position, (index, role, post, unit) in enumerate(ordered):
            members.append(
                LeadershipGroupMember(
                    group=group,
                    person=people[index],
                    group_role=role,
                    post=post,
                    unit=unit,
                    position=position,
                )
            )
    _bulk(LeadershipGroupMember, members)
    return {
        "nodes": len(nodes),
        "schools": len(world.schools),
        "departments": len(departments),
        "people": len(people),
        "groups": len(world.groups),
        "users": len(users),
    }


class Command(TranslatedHelpCommand):
    help = gettext_lazy(
        "Load the demo world: a county-scale organisation tree with schools, departments, "
        "people, leadership groups and one login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schools",
            type=int,
            default=200,
            help=gettext_lazy("Number of schools (default 200)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2023,
            help=gettext_lazy("Random seed: the same seed gives the same world (default 2023)."),
        )

    def handle(self, *args, schools: int, seed: int, **options):
        if schools < demo_data.MIN_SCHOOLS:
            raise CommandError(
                _("The demo needs at least %(min)d schools.") % {"min": demo_data.MIN_SCHOOLS}
            )
        loaded = (
            User.objects.filter(username__in=demo_data.DEMO_USERNAMES).exists()
            or OrgNode.objects.filter(parent__isnull=True, name=demo_data.PROVINCE).exists()
        )
        if loaded:
            if not logins_file().exists():
                write_logins_file()
            if self._activity(seed, time.monotonic()):
                return
            self.stdout.write(_("The demo is already loaded: nothing was changed."))
            return
        started = time.monotonic()
        world = demo_data.build_world(seed=seed, schools=schools)
        with transaction.atomic():
            counts = load(world)
        write_logins_file()
        counts["seconds"] = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo loaded in %(seconds).1f s: %(nodes)d organisation nodes, %(schools)d "
                    "schools, %(departments)d departments, %(people)d people, %(groups)d "
                    "leadership groups, %(users)d logins."
                )
                % counts
            )
        )
        self._activity(seed, started)
        self.stdout.write(_("Logins are listed in %(path)s.") % {"path": logins_file()})

    def _activity(self, seed: int, started: float) -> bool:
        """Load whatever part of the year of activity is missing; True if anything was."""
        now = timezone.now()
        counts = hazards_demo.load_activity(seed=seed, now=now)
        if counts:
            counts["seconds"] = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "A year of activity loaded (%(seconds).1f s in all): %(spots)d spots, "
                        "%(schedules)d schedules, %(inspections)d inspections, %(hazards)d "
                        "hazards, %(transitions)d workflow moves."
                    )
                    % counts
                )
            )
        # Drills raise hazards too: before the weekly analyses, whose figures count them.
        emergency = emergency_demo.load_emergency(seed=seed, now=now)
        if emergency:
            figures = {"plans": 0, "drills": 0, "planned": 0, "incidents": 0}
            figures.update(emergency)
            figures["seconds"] = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Emergency work loaded (%(seconds).1f s in all): %(plans)d plans, "
                        "%(drills)d drills held and %(planned)d planned or cancelled, "
                        "%(incidents)d incidents."
                    )
                    % figures
                )
            )
        # Spot-checks reopen and re-close some closed hazards: before the weekly analyses too,
        # whose figures are what the ledger showed when each was signed.
        spotchecks = load_spotchecks(seed=seed, now=now)
        review = demo_review.load_review(seed=seed, now=now)
        inbox = notify_demo.load_notifications(seed=seed, now=now)
        if review or inbox:
            figures = {"reviews": 0, "tasks": 0, "visits": 0, "documents": 0}
            figures.update({"notifications": 0, "unread": 0, "deliveries": 0})
            figures.update(review)
            figures.update(inbox)
            figures["seconds"] = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "The rhythm of review loaded (%(seconds).1f s in all): %(reviews)d weekly "
                        "analyses with %(tasks)d follow-up tasks, %(visits)d inspector visits, "
                        "%(documents)d notices and warnings issued, %(notifications)d "
                        "notifications (%(unread)d unread), %(deliveries)d deliveries."
                    )
                    % figures
                )
            )
        compliance = self._compliance(seed, now, started, spotchecks)
        return bool(counts or review or inbox or emergency or compliance)

    def _compliance(self, seed: int, now, started: float, spotchecks: dict) -> bool:
        """Education, training, the three-defense inventories and the compliance settings,
        each loaded once; reported with the spot-checks of closed hazards loaded before."""
        from safecampus.compliance.demo import load_compliance
        from safecampus.defense.demo import load_defense
        from safecampus.education.demo import load_education
        from safecampus.training.demo import load_training

        figures: dict = dict(spotchecks)
        for loader in (
            load_education,
            load_training,
            load_defense,
            load_compliance,
        ):
            figures.update(loader(seed=seed, now=now))
        if not figures:
            return False
        listed = ", ".join(f"{key} {value}" for key, value in figures.items())
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Education, training, inventories, spot-checks and compliance settings "
                    "loaded (%(seconds).1f s in all): %(figures)s."
                )
                % {"seconds": time.monotonic() - started, "figures": listed}
            )
        )
        return True
