"""Rules whose records the product does not keep yet: always "no data", never a pass."""

from django.utils.translation import gettext as _

from safecampus.compliance.catalog import YEAR


def not_recorded(run, rule):
    period = run.year() if rule.cadence == YEAR else run.state()
    why = _("The product does not record what this rule needs yet, so it cannot be judged.")
    return {s.key: run.no_data(rule, s, period, why) for s in run.subjects(rule.subject)}
