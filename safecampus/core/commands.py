"""A base for our management commands whose help is translated.

The help texts are lazy translations so that `safecampus seed-demo --help` answers in the
operator's language, but argparse formats only real strings: the parser gets them resolved
once it is built (in the language active then)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.description is not None:
            parser.description = str(parser.description)
        for action in parser._actions:  # argparse keeps no public list of its arguments
            if action.help is not None:
                action.help = str(action.help)
        return parser
