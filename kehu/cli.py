"""``kehu``: the one command line (PLAT-4).

``kehu init``, ``kehu demo``, ``kehu serve``, ``kehu worker``, ``kehu token create USER``,
``kehu audit verify``, ``kehu trace`` … and every Django management command (``kehu migrate``).
Two-word commands map to management commands joined by an underscore (``audit verify`` →
``audit_verify``).
"""

from __future__ import annotations

import os
import sys


def resolve(argv: list[str], known: set[str]) -> list[str]:
    if len(argv) >= 2 and f"{argv[0]}_{argv[1]}" in known:
        return [f"{argv[0]}_{argv[1]}", *argv[2:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django
    from django.core.management import execute_from_command_line, get_commands

    args = list(sys.argv[1:] if argv is None else argv)
    django.setup()
    if not args:
        args = ["help"]
    execute_from_command_line(["kehu", *resolve(args, set(get_commands()))])


if __name__ == "__main__":
    main()
