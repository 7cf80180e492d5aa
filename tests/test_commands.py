"""Every `safecampus <command> --help` answers, in the operator's language."""

import pkgutil
from pathlib import Path

import pytest
from django.core.management import load_command_class
from django.utils import translation

import safecampus

ROOT = Path(safecampus.__file__).parent


def our_commands():
    for commands_dir in sorted(ROOT.glob("*/management/commands")):
        app = f"safecampus.{commands_dir.parent.parent.name}"
        for module in pkgutil.iter_modules([str(commands_dir)]):
            yield app, module.name


@pytest.mark.parametrize(("app", "name"), list(our_commands()))
def test_help_is_printable(app, name):
    command = load_command_class(app, name)
    with translation.override("zh-hans"):
        text = command.create_parser("safecampus", name).format_help()
    assert f"safecampus {name}" in text
    if command.help:
        with translation.override("zh-hans"):
            description = "".join(str(command.help).split())
        assert description in "".join(text.split())


def test_help_is_translated():
    command = load_command_class("safecampus.scale", "bench")
    with translation.override("zh-hans"):
        text = command.create_parser("safecampus", "bench").format_help()
    assert "计时" in text
