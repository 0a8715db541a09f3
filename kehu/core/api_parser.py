"""The API's body parser: JSON only. Ninja would try to read any body as JSON; a form post or
a text body is refused with 415 instead of a confusing 400 (SECURITY.md WEB-8)."""

from __future__ import annotations

import json

from django.http import HttpRequest
from ninja.parser import Parser


class UnsupportedMediaType(Exception):
    pass


class JSONOnlyParser(Parser):
    def parse_body(self, request: HttpRequest):
        media_type = (request.content_type or "").lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType(media_type)
        return json.loads(request.body)
