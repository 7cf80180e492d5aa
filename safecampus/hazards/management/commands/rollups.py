"""`safecampus rollups check` and `safecampus rollups rebuild`.

`check` recomputes every rollup (the hazards' and the periods done) from the hazards and the
inspections, set-based, and compares: it lists the keys that differ and exits with 1 when any
does. `rebuild` replaces the rollups with what the records give (after a bulk load that
bypassed the ORM, such as seed-province's COPY).
"""

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from safecampus.core.commands import Command as TranslatedHelpCommand
from safecampus.hazards import rollups

SHOWN = 50


class Command(TranslatedHelpCommand):
    help = gettext_lazy(
        "Check the rollups against the hazards and the inspections (exit code 1 when they "
        "differ), or rebuild them from those records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=["check", "rebuild"],
            help=gettext_lazy("check: compare with the records; rebuild: replace from them."),
        )
        parser.add_argument(
            "--database", default="default", help=gettext_lazy("The database to work on.")
        )

    def handle(self, *args, action: str, database: str, **options):
        started = time.monotonic()
        if action == "rebuild":
            written = rollups.rebuild(using=database)
            for table, n in written.items():
                self.stdout.write(f"{table}: {n:,}")
            self.stdout.write(
                _("Rollups rebuilt in %(s).1f s.") % {"s": time.monotonic() - started}
            )
            return
        mismatches = rollups.check(using=database)
        if not mismatches:
            self.stdout.write(
                _("The rollups match the hazards and the inspections (checked in %(s).1f s).")
                % {"s": time.monotonic() - started}
            )
            return
        for mismatch in mismatches[:SHOWN]:
            self.stdout.write(str(mismatch))
        if len(mismatches) > SHOWN:
            self.stdout.write(_("… and %(n)d more.") % {"n": len(mismatches) - SHOWN})
        message = ngettext(
            "%(n)d rollup row differs from the records; `safecampus rollups rebuild` "
            "replaces the rollups.",
            "%(n)d rollup rows differ from the records; `safecampus rollups rebuild` "
            "replaces the rollups.",
            len(mismatches),
        )
        raise CommandError(message % {"n": len(mismatches)}, returncode=1)
