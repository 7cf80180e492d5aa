"""A serving process loads its views and freezes the heap before its first request
(config/startup.py), so that the collector's full passes skip what lives as long as it."""

import os
import subprocess
import sys

PROBE = """
import gc, sys
import safecampus.config.wsgi
print(gc.get_freeze_count(), "safecampus.hazards.views" in sys.modules)
"""


def test_the_wsgi_process_starts_with_its_views_loaded_and_frozen(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safecampus.config.settings",
        "SAFECAMPUS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    }
    out = subprocess.run(  # noqa: S603 (our own interpreter and probe)
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    frozen, views = out.stdout.split()
    assert views == "True"
    assert int(frozen) > 100_000  # Django, the apps and their libraries
