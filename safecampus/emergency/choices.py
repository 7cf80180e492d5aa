"""The vocabularies of emergency work: plan and drill scenarios, incident types and severities,
and the kinds of entry on an incident's timeline."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scenario(models.TextChoices):
    """What a plan prepares for and what a drill rehearses (seed 000 §四.二, 002 §20)."""

    FIRE = "fire", _("Fire")
    EARTHQUAKE = "earthquake", _("Earthquake")
    FLOOD = "flood", _("Flood and mudslide")
    FOOD_POISONING = "food_poisoning", _("Food poisoning")
    EPIDEMIC = "epidemic", _("Epidemic")
    TRAFFIC = "traffic", _("Traffic accident")
    INJURY = "injury", _("Accidental injury")
    STAMPEDE = "stampede", _("Crowding and stampede")
    DROWNING = "drowning", _("Drowning")
    VIOLENCE = "violence", _("Violence and terror")
    MISSING = "missing", _("Missing student")
    EXTREME_WEATHER = "extreme_weather", _("Extreme weather")
    GAS = "gas", _("Gas leak")
    PUBLIC_OPINION = "public_opinion", _("Public-opinion event")
    COMPREHENSIVE = "comprehensive", _("Comprehensive (overall plan)")
    OTHER = "other", _("Other")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class IncidentType(models.TextChoices):
    INJURY = "injury", _("Injury")
    DROWNING = "drowning", _("Drowning")
    TRAFFIC = "traffic", _("Traffic accident")
    FOOD_POISONING = "food_poisoning", _("Food poisoning")
    BULLYING = "bullying", _("Bullying")
    VIOLENCE = "violence", _("Violence")
    SEXUAL_ASSAULT = "sexual_assault", _("Sexual assault")
    MISSING = "missing", _("Missing student")
    FIRE = "fire", _("Fire")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    EPIDEMIC = "epidemic", _("Epidemic")
    PUBLIC_OPINION = "public_opinion", _("Public-opinion event")
    OTHER = "other", _("Other")


# Types whose details concern minors' privacy: visible in detail only to designated roles,
# names masked everywhere else, every view logged.
SENSITIVE_TYPES = frozenset({IncidentType.SEXUAL_ASSAULT, IncidentType.BULLYING})

# Criminal cases against minors, for TARGET-MINOR-CRIME.
CRIMINAL_TYPES = frozenset(
    {IncidentType.VIOLENCE, IncidentType.SEXUAL_ASSAULT, IncidentType.BULLYING}
)


class Severity(models.TextChoices):
    """The usual four levels of an emergency (突发事件分级), from the most serious."""

    EXTRAORDINARY = "extraordinary", _("Extraordinarily serious (I)")
    MAJOR = "major", _("Major (II)")
    SERIOUS = "serious", _("Serious (III)")
    GENERAL = "general", _("General (IV)")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    CONTROLLED = "controlled", _("Under control")
    CLOSED = "closed", _("Closed")


class Step(models.TextChoices):
    """Entries of an incident's timeline. The first four carry the 1-3-5 marks (RESPONSE-135):
    reported → responded (1 min) → on scene (3 min) → under control (5 min)."""

    REPORTED = "reported", _("Reported")
    RESPONDED = "responded", _("Responded")
    ON_SCENE = "on_scene", _("On scene")
    CONTROLLED = "controlled", _("Under control")
    PLAN_STARTED = "plan_started", _("Emergency plan started")
    BUREAU_REPORTED = "bureau_reported", _("Reported to the bureau")
    WRITTEN_REPORT = "written_report", _("Written report submitted")
    RESCUE = "rescue", _("Rescue")
    INVESTIGATION = "investigation", _("Investigation")
    RESPONSIBILITY = "responsibility", _("Responsibility determined")
    AFTERCARE = "aftercare", _("Aftercare")
    PARENTS = "parents", _("Parent communication")
    PUBLIC_OPINION = "public_opinion", _("Public-opinion note")
    INSURANCE = "insurance", _("Insurance claim")
    NOTE = "note", _("Note")
    CORRECTION = "correction", _("Correction")
    CLOSED = "closed", _("Closed")


# RESPONSE-135: minutes from the report to each mark.
RESPONSE_MARKS = {Step.RESPONDED: 1, Step.ON_SCENE: 3, Step.CONTROLLED: 5}
