import codecs

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from core.domain.json_keys import each_key_once


class JSONParser(parsers.JSONParser):
    """DRF's parser, also refusing with a 400: pathologically nested JSON (a RecursionError),
    and an object that gives a key twice (`{"sourcing_policy": "china-excluded",
    "sourcing_policy": "none"}` was judged under whichever came last, silently)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(codecs.getreader(encoding)(stream),
                             parse_constant=json.strict_constant if self.strict else None,
                             object_pairs_hook=each_key_once)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
