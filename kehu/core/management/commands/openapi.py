"""``kehu openapi > docs/openapi.json``: print the API's OpenAPI document.

The committed copy is compared with the live one by the test suite (SECURITY.md WEB-8), so
every API change shows up as a diff of docs/openapi.json in review.
"""

import json

from django.core.management.base import BaseCommand


def openapi_document() -> dict:
    from kehu.api import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


def render() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI document of /api/v1/ (regenerate docs/openapi.json with it)"

    def handle(self, *args, **options):
        self.stdout.write(render(), ending="")
