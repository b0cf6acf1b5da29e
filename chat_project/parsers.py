"""The REST API's JSON parser: `chat_project.text.parse_json` behind DRF's parser API."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from .text import BadText, parse_json


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return parse_json(stream.read())
        except BadText as exc:
            raise ParseError(str(exc)) from None
