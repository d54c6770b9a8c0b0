"""JSON from the network, read so that no document can crash the reader or smuggle in a number
that nothing downstream can hold.

- An integer beyond 64 bits becomes :data:`OUT_OF_RANGE` instead of a Python int: a count of 10^30
  reposts is no count, a 5,000-digit number would otherwise fail the whole document (Python refuses
  to convert more than 4,300 digits) and no database column holds either. Readers treat the marker
  as an unreadable value, so only the field or the entry that holds it is lost.
- Nesting deeper than the parser's recursion allows (a "nesting bomb") is a :class:`ValueError`
  like any other malformed document, not a ``RecursionError`` that escapes as an internal error.
"""

from __future__ import annotations

import json
from typing import Any, Final

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
# An int64 has at most 19 digits; anything longer is out of range without converting it.
_MAX_DIGITS = 19


class OutOfRange:
    """The value of a JSON integer that does not fit in 64 bits."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OUT_OF_RANGE"


OUT_OF_RANGE: Final = OutOfRange()


def load_json(content: bytes | str) -> Any:
    """The decoded document; :class:`ValueError` (``json.JSONDecodeError`` or nesting) when malformed."""
    try:
        return json.loads(content, parse_int=_integer)
    except RecursionError:
        raise ValueError("nested deeper than a JSON document may be") from None


def _integer(text: str) -> int | OutOfRange:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        return OUT_OF_RANGE
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else OUT_OF_RANGE
