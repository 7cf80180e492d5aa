from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City / prefecture")
    COUNTY = "county", _("County / district")
    TOWNSHIP = "township", _("Township / street")
    VILLAGE = "village", _("Village / community")
    SCHOOL = "school", _("School")


# Which kinds may hang under which: the tree reads like the administrative hierarchy.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    "": {NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY},
    NodeKind.PROVINCE: {NodeKind.CITY, NodeKind.COUNTY, NodeKind.SCHOOL},
    NodeKind.CITY: {NodeKind.COUNTY, NodeKind.SCHOOL},
    NodeKind.COUNTY: {NodeKind.TOWNSHIP, NodeKind.SCHOOL},
    NodeKind.TOWNSHIP: {NodeKind.VILLAGE, NodeKind.SCHOOL},
    NodeKind.VILLAGE: {NodeKind.SCHOOL},
    NodeKind.SCHOOL: set(),
}

REGION_KINDS = [k for k in NodeKind if k != NodeKind.SCHOOL]


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior high school")
    NINE_YEAR = "nine_year", _("Nine-year school")
    TWELVE_YEAR = "twelve_year", _("Twelve-year school")
    VOCATIONAL = "vocational", _("Vocational school")
    SPECIAL = "special", _("Special education school")
    HIGHER = "higher", _("Higher education")
    TRAINING = "training", _("Off-campus training institution")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class DepartmentKind(models.TextChoices):
    EDUCATION = "education", _("Education bureau")
    POLICE = "police", _("Police station")
    MARKET = "market", _("Market supervision")
    JUDICIAL = "judicial", _("Judicial office")
    HEALTH = "health", _("Health")
    FIRE = "fire", _("Fire rescue")
    TRAFFIC = "traffic", _("Traffic police")
    EMERGENCY = "emergency", _("Emergency management")
    WATER = "water", _("Water resources")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources")
    HOUSING = "housing", _("Housing and construction")
    TRANSPORT = "transport", _("Transport")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    COMMUNIST_YOUTH = "youth_league", _("Communist Youth League")
    WOMEN = "womens_federation", _("Women's federation")
    GOVERNMENT = "government", _("Government office")
    OTHER = "other", _("Other")


class GroupKind(models.TextChoices):
    LEADERSHIP = "leadership", _("Leadership group")
    TASK_FORCE = "task_force", _("Task force")


class GroupRole(models.TextChoices):
    LEADER = "leader", _("Group leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", _("Member")
    OFFICE_DIRECTOR = "office_director", _("Office director")


# The order members are listed in a printed roster, as in seed 000's annex.
GROUP_ROLE_ORDER = {
    GroupRole.LEADER: 0,
    GroupRole.DEPUTY: 1,
    GroupRole.MEMBER: 2,
    GroupRole.OFFICE_DIRECTOR: 3,
}
