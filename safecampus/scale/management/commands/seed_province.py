"""`safecampus seed-province [--schools 20000] [--days 365] [--seed S] [--today YYYY-MM-DD]`.

Loads a deterministic province-year into the configured database (see `scale.seed`). It
refuses a database that already holds the province; load it into a database of its own.
"""

import datetime
import json

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.core.commands import Command as TranslatedHelpCommand
from safecampus.scale import seed as province


class Command(TranslatedHelpCommand):
    help = gettext_lazy(
        "Load a deterministic province-year: about 20,000 schools with a year of inspections, "
        "hazards, drills and incidents, in bulk (for the benchmark)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schools", type=int, default=20000, help=gettext_lazy("Number of schools.")
        )
        parser.add_argument(
            "--days", type=int, default=365, help=gettext_lazy("Days of activity up to today.")
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help=gettext_lazy("Random seed: the same seed gives the same province."),
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help=gettext_lazy("The last day of the year of activity (default: today)."),
        )
        parser.add_argument(
            "--figures",
            action="store_true",
            help=gettext_lazy("Print the loaded counts and their digest at the end."),
        )

    def handle(self, *args, schools, days, seed: int, today, figures: bool, **options):
        if schools < 12 or days < 7:
            raise CommandError(_("The province needs at least 12 schools and 7 days."))
        today = today or timezone.localdate()
        try:
            result = province.run(
                schools=schools, days=days, seed=seed, today=today, progress=self.stdout.write
            )
        except province.AlreadyLoaded:
            raise CommandError(
                _("This database already holds the province: load it into an empty one.")
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Province loaded in %(seconds).1f s (%(cpu).1f s of CPU): %(rows)s rows.")
                % {
                    "seconds": result["seconds"],
                    "cpu": result["cpu_seconds"],
                    "rows": f"{result['rows']:,}",
                }
            )
        )
        for table, rows in result["tables"].items():
            self.stdout.write(f"  {table}: {rows:,}")
        if result["unfilled"]:
            self.stdout.write(
                _("Not filled yet (no seed hook): %(apps)s")
                % {"apps": ", ".join(result["unfilled"])}
            )
        if figures:
            self.stdout.write(
                json.dumps(province.figures(), ensure_ascii=False, default=str, indent=1)
            )
