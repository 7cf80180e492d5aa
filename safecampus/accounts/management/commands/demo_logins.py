"""`safecampus demo-logins`: print the demo's logins from var/demo-users.json."""

import json
import unicodedata

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.roles import Role
from safecampus.core.commands import Command as TranslatedHelpCommand

# Chinese role names for the console table when the Chinese catalogue is not compiled yet.
_ROLE_ZH_FALLBACK = {
    Role.SYSADMIN: "系统管理员",
    Role.BUREAU_LEADER: "教育局领导",
    Role.BUREAU_STAFF: "教育局安全科",
    Role.INSPECTOR: "责任督学",
    Role.TOWNSHIP_OFFICER: "乡镇干部",
    Role.PRINCIPAL: "校长/园长",
    Role.SAFETY_OFFICER: "安全管理负责人",
    Role.TEACHER: "教师/班主任",
    Role.GUARD: "保安/网格员",
    Role.DEPARTMENT_LIAISON: "部门联络员",
    Role.OBSERVER: "只读观察员",
}


def role_names(value: str) -> tuple[str, str]:
    try:
        role = Role(value)
    except ValueError:
        return value, value
    with translation.override("en"):
        english = str(role.label)
    with translation.override("zh-hans"):
        chinese = str(role.label)
    if chinese == english:
        chinese = _ROLE_ZH_FALLBACK.get(role, english)
    return chinese, english


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


class Command(TranslatedHelpCommand):
    help = gettext_lazy("Print the demo logins listed in var/demo-users.json.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help=gettext_lazy("Address of the running site (default http://127.0.0.1:8000)."),
        )

    def handle(self, *args, url: str, **options):
        path = settings.VAR_DIR / "demo-users.json"
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(
                _("%(path)s does not exist: run `safecampus seed-demo` first.") % {"path": path}
            ) from None
        except ValueError as exc:
            raise CommandError(
                _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc}
            ) from None
        table = [(_("Username"), _("Role"), _("Organisation"))]
        for row in rows:
            chinese, english = role_names(row.get("role", ""))
            table.append((row.get("username", ""), f"{chinese} / {english}", row.get("org", "")))
        widths = [max(width(r[i]) for r in table) for i in range(3)]
        password = rows[0].get("password", "") if rows else ""
        self.stdout.write(_("Demo logins at %(url)s") % {"url": url})
        if password:
            self.stdout.write(
                _("Password for every account: %(password)s") % {"password": password}
            )
        for i, row in enumerate(table):
            self.stdout.write(
                "  ".join(pad(cell, widths[j]) for j, cell in enumerate(row)).rstrip()
            )
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
