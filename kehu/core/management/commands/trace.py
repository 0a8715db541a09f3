"""``kehu trace``: every requirement ID with the tests that name it, then the unproven ones
(DESIGN.md "Traceability"). The catalogue is ../shared/REQUIREMENTS.md beside the repository
when it exists, else docs/requirements.md (a copy); the tests are only collected, not run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

REQUIREMENT_LINE = re.compile(r"^-\s+([A-Z]+-\d+)\s+(.*)$")


def repository_root() -> Path:
    return Path(settings.PACKAGE_DIR).parent


def default_catalogue() -> Path:
    root = repository_root()
    shared = root.parent / "shared" / "REQUIREMENTS.md"
    return shared if shared.exists() else root / "docs" / "requirements.md"


def read_catalogue(path: Path) -> dict[str, str]:
    """ID → its one-line statement, in catalogue order."""
    catalogue = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = REQUIREMENT_LINE.match(line.strip())
        if match:
            catalogue[match.group(1)] = match.group(2)
    return catalogue


def collect_requirement_map(tests: Path) -> dict[str, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "req-map.json"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "kehu.testing.requirements",
             f"--req-map={target}", str(tests)],
            cwd=repository_root(), capture_output=True, text=True, env=os.environ.copy(),
        )
        if not target.exists():
            raise CommandError(f"pytest could not collect the tests:\n{result.stdout}{result.stderr}")
        return json.loads(target.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "List every requirement ID with the tests naming it, then the unproven ones"

    def add_arguments(self, parser):
        parser.add_argument("--catalogue", type=Path, default=None, help="requirements file (default: see above)")
        parser.add_argument("--tests", type=Path, default=None, help="tests directory (default: ./tests)")

    def handle(self, *args, catalogue: Path | None, tests: Path | None, **options):
        catalogue_path = catalogue or default_catalogue()
        if not catalogue_path.exists():
            raise CommandError(f"no requirements catalogue at {catalogue_path}")
        requirements = read_catalogue(catalogue_path)
        named = collect_requirement_map(tests or repository_root() / "tests")

        write = self.stdout.write
        write(f"Requirements from {catalogue_path}\n")
        for req_id, statement in requirements.items():
            tests_for = named.get(req_id, [])
            write(f"{req_id:<10} {len(tests_for):>3} test(s)  {statement[:70]}")
            for node in tests_for:
                write(f"           {node}")
        unproven = [req_id for req_id in requirements if req_id not in named]
        write(f"\nUnproven ({len(unproven)}):")
        for req_id in unproven:
            write(f"  {req_id:<10} {requirements[req_id][:90]}")
        unknown = sorted(set(named) - set(requirements))
        if unknown:
            write(f"\nNamed by tests but not in the catalogue: {', '.join(unknown)}")
        write(f"\nproven {len(requirements) - len(unproven)} of {len(requirements)}")
