"""Catalogue upkeep without GNU gettext at run time: compile .po to .mo with polib, and
fill the English catalogue (the source language) so it is complete.

    python -m safecampus.core.i18n_tools compile
    python -m safecampus.core.i18n_tools untranslated zh_Hans
    python -m safecampus.core.i18n_tools apply zh_Hans FILE.json

`apply` fills translations from a JSON list of {"msgid", "msgstr", "msgctxt"?,
"msgstr_plural"?}: it lets several people translate their own strings without editing the
catalogue by hand at the same time. Entries not in the catalogue are reported, not added.
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


def apply(language: str, pairs: list[dict]) -> list[str]:
    """Fill `language`'s catalogue from `pairs`; returns the msgids the catalogue lacks."""
    import polib

    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    index = {(e.msgctxt or None, e.msgid): e for e in po}
    missing = []
    for pair in pairs:
        entry = index.get((pair.get("msgctxt") or None, pair["msgid"]))
        if entry is None:
            missing.append(pair["msgid"])
            continue
        text = pair.get("msgstr")
        if entry.msgid_plural:
            plural = pair.get("msgstr_plural") or (text if isinstance(text, list) else [text])
            entry.msgstr_plural = dict(enumerate(plural))
        else:
            entry.msgstr = text[0] if isinstance(text, list) else text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
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
    if command == "apply" and len(argv) == 4:
        import json

        missing = apply(argv[2], json.loads(Path(argv[3]).read_text(encoding="utf-8")))
        for msgid in missing:
            print(f"not in the catalogue: {msgid}")
        compile_all()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
