"""Catalogue upkeep without GNU gettext at run time: compile .po to .mo with polib, and
fill the English catalogue (the source language) so it is complete.

    python -m safecampus.core.i18n_tools compile
    python -m safecampus.core.i18n_tools untranslated zh_Hans
"""

import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues():
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def fill_english() -> None:
    import polib

    for path in LOCALE_DIR.glob("en/LC_MESSAGES/*.po"):
        po = polib.pofile(str(path))
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()


def compile_all() -> None:
    import polib

    for path in catalogues():
        polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))


def untranslated(language: str) -> list[str]:
    import polib

    missing = []
    for path in LOCALE_DIR.glob(f"{language}/LC_MESSAGES/*.po"):
        po = polib.pofile(str(path))
        missing += [
            e.msgid for e in po.untranslated_entries() + po.fuzzy_entries() if not e.obsolete
        ]
    return missing


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        fill_english()
        compile_all()
        return 0
    if command == "untranslated":
        for msgid in untranslated(argv[2] if len(argv) > 2 else "zh_Hans"):
            print(msgid)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
