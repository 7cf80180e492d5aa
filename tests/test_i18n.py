"""Both catalogues are complete and in step with the code: Chinese is the default language."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from safecampus.core import i18n_tools

PACKAGE = Path(i18n_tools.__file__).resolve().parent.parent


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language):
    assert list(PACKAGE.glob(f"locale/{language}/LC_MESSAGES/django.po")), (
        f"no {language} catalogue"
    )
    assert i18n_tools.untranslated(language) == []


def test_compiled_catalogues_match_their_sources():
    for po_path in i18n_tools.catalogues():
        po = {
            (e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(po_path)).translated_entries()
        }
        mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(po_path.with_suffix(".mo")))}
        assert {k: v for k, v in po.items() if k[1]} == {k: v for k, v in mo.items() if k[1]}, (
            po_path
        )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings afresh from a copy of the code and compare with the committed catalogue."""
    copy = tmp_path / "safecampus"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    (tmp_path / "i18n_check_settings.py").write_text(
        "from safecampus.config.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "--ignore",
            "static/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "i18n_check_settings",
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{PACKAGE.parent}",
        },
    )
    fresh = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    }
    committed = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(PACKAGE / "locale/zh_Hans/LC_MESSAGES/django.po"))
        if not e.obsolete
    }
    assert sorted(fresh - committed) == [], "run `make messages` and translate the new strings"
