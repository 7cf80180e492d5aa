"""`safecampus bench [--json FILE] [--repeat N] [--only a,b] [--load]`: see `scale.bench`."""

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from safecampus.core.commands import Command as TranslatedHelpCommand
from safecampus.scale import bench


class Command(TranslatedHelpCommand):
    help = gettext_lazy(
        "Time the hot paths (dashboards, lists, detail, moves, submissions, compliance, "
        "reports, export) against the loaded database and check them against their targets."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="json_file", help=gettext_lazy("Write the figures here.")
        )
        parser.add_argument(
            "--repeat", type=int, default=10, help=gettext_lazy("Runs per operation (default 10).")
        )
        parser.add_argument(
            "--budget",
            type=float,
            default=60.0,
            help=gettext_lazy("Seconds an operation may take before it stops at three runs."),
        )
        parser.add_argument(
            "--only",
            default="",
            help=gettext_lazy(
                "Comma-separated steps: dashboard, home, ledger, detail, move, submit, "
                "compliance, dispatch, modules, export."
            ),
        )
        parser.add_argument(
            "--load",
            action="store_true",
            help=gettext_lazy("Also run the load test against the production server."),
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=3000,
            help=gettext_lazy("Requests of the load run (default 3000)."),
        )
        parser.add_argument(
            "--clients", type=int, default=50, help=gettext_lazy("Concurrent clients (default 50).")
        )

    def handle(self, *args, json_file, repeat, budget, only, load, requests, clients, **options):
        only_set = {s.strip() for s in only.split(",") if s.strip()}
        try:
            runner = bench.Bench(repeat=max(1, repeat), budget=budget, progress=self.stdout.write)
            results = runner.run(only_set or None)
            load_result = None
            if load:
                from safecampus.scale import load as load_run

                load_result = load_run.run(
                    runner.scene, requests=requests, clients=clients, progress=self.stdout.write
                )
        except bench.BenchError as exc:
            raise CommandError(str(exc)) from exc
        out = bench.report(results, load_result)
        out["data"] = bench.counts()
        misses = [m.name for m in results if not all(ok for _t, ok in m.checks)]
        if load_result is not None and not load_result.get("pass"):
            misses.append("load run")
        self.stdout.write(
            f"{len(results) - len([m for m in results if m.name in misses])}/{len(results)} "
            f"operations PASS" + (f"; MISS: {', '.join(misses)}" if misses else "")
        )
        if json_file:
            Path(json_file).write_text(
                json.dumps(out, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
            )
            self.stdout.write(f"Figures written to {json_file}")
