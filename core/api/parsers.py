import codecs

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


class _KeyTwice(ValueError):
    pass


def _each_key_once(pairs: list) -> dict:
    """An object giving a key twice is refused: JSON keeps the last value, so
    `{"sourcing_policy": "china-excluded", "sourcing_policy": "none"}` was judged under
    "none" without a word, whichever the client meant."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _KeyTwice(f"{key!r} is given twice in one object")
    return document


class JSONParser(parsers.JSONParser):
    """DRF's parser, also refusing with a 400: pathologically nested JSON (a RecursionError),
    and an object that gives a key twice."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(codecs.getreader(encoding)(stream),
                             parse_constant=json.strict_constant if self.strict else None,
                             object_pairs_hook=_each_key_once)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
