"""Who a training session is for, and the posts a school appoints (seed 002 §9/19, 004)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    MANAGERS = "managers", _("Safety managers")
    ALL_STAFF = "all_staff", _("All staff")
    GUARDS = "guards", _("Guards")
    OTHER = "other", _("Other")


class Post(models.TextChoices):
    LEGAL_VP = "legal_vp", _("Legal vice-principal")
    PSY_FULL = "psy_full", _("Psychological teacher, full-time")
    PSY_PART = "psy_part", _("Psychological teacher, part-time")
    SAFETY_MANAGER = "safety_manager", _("Safety manager")


PSY_POSTS = frozenset({Post.PSY_FULL, Post.PSY_PART})
