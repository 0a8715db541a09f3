"""makemessages that also extracts the project's two gettext aliases.

kehu.policy uses ``gettext_noop as N`` for rule labels (translated when displayed) and kehu.policy.forms
``gettext_lazy as _lazy``; xgettext knows neither name, so without these keywords those strings would
silently never reach the catalogue.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N", "--keyword=_lazy"]
