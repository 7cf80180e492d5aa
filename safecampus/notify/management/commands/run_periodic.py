"""`safecampus run-periodic [--once]`: run the periodic jobs of notify.schedule when due."""

import time

from django.core.management.base import BaseCommand

from safecampus.notify import schedule


class Command(BaseCommand):
    help = "Run the periodic jobs (delivery retries, escalation, daily digest) when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")

    def handle(self, *args, once=False, **options):
        while True:
            ran = schedule.run_due()
            if ran and options["verbosity"] > 0:
                self.stdout.write("ran: " + ", ".join(ran))
            if once:
                return
            # Wake for the next job, but at least once a minute (clock changes, new rows).
            time.sleep(min(max(schedule.seconds_until_next(), 1.0), 60.0))
