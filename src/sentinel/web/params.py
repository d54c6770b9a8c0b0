"""Types for the API's and the console's parameters and body fields, checked before a route runs
(422 naming them), so that no value reaches the store or the clock arithmetic that would make it
raise: one type for an id, one for a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from sentinel.normalise.item import MAX_URL_CHARS
from sentinel.normalise.times import in_utc

#: ids are 64-bit in the store (SQLite's integers, PostgreSQL's bigint); a larger one cannot name
#: a row and would overflow the driver instead of finding nothing
MAX_ROW_ID = 2**62
#: the times a person or a client may name: wide enough for any real case, narrow enough that
#: adding a deadline's days or a zone's offset to one stays inside the calendar
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(3000, 1, 1, tzinfo=UTC)

# the longest free text each kind of field takes, in characters: enough for any real value, short
# enough that no page or timeline grows without bound (a 1M-character release URL made a 9 MB page)
#: an address: as long as an item's, which normalising cuts at this length
MAX_URL = MAX_URL_CHARS
#: a person, a unit, a channel, a department, a source: the store's columns are this wide
MAX_NAME = 128
#: why an action was taken (a grade, a dismissal, a rejected release)
MAX_REASON = 2000
#: a note on a timeline or a register entry (the actions refuse a longer one too)
MAX_NOTE = 4000
#: a release's content (信息发布登记: what was published)
MAX_CONTENT = 20000


def row_id(text: str) -> int | None:
    """A form field's text as an id, or None when it cannot be one (not digits, 0, too large)."""
    if not text.isdigit() or len(text) > len(str(MAX_ROW_ID)):  # int() of 5000 digits raises
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def storable_time(value: datetime) -> datetime:
    """``value`` if it is aware and, in UTC, between :data:`EARLIEST_TIME` and :data:`LATEST_TIME`;
    ValueError saying which it is not."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-20T08:00:00+08:00")
    utc = in_utc(value)
    if not EARLIEST_TIME <= utc < LATEST_TIME:
        raise ValueError(f"must be between {EARLIEST_TIME.year} and {LATEST_TIME.year - 1} (UTC)")
    return value


def storable_day(value: date) -> date:
    """``value`` if its year is between :data:`EARLIEST_TIME`'s and :data:`LATEST_TIME`'s (working
    days counted from 9999-12-31 would leave the calendar); ValueError when it is not."""
    if not EARLIEST_TIME.year <= value.year < LATEST_TIME.year:
        raise ValueError(f"must be between {EARLIEST_TIME.year} and {LATEST_TIME.year - 1}")
    return value


def _optional_time(value: datetime | None) -> datetime | None:
    return None if value is None else storable_time(value)


# a time with its offset (a naive one would be read in whichever zone the server runs in) that
# sentinel can store and compare: see :func:`storable_time`
AwareTime = Annotated[datetime | None, AfterValidator(_optional_time)]
# a calendar day (a request received, a correction due) within the same years
Day = Annotated[date, AfterValidator(storable_day)]
# an id of a row, as a path or query parameter or a body field
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]

# free text of each kind, at most as long as its MAX_ constant (422 naming the field when longer)
Url = Annotated[str, Field(max_length=MAX_URL)]
Name = Annotated[str, Field(max_length=MAX_NAME)]
Reason = Annotated[str, Field(max_length=MAX_REASON)]
NoteText = Annotated[str, Field(max_length=MAX_NOTE)]
Content = Annotated[str, Field(max_length=MAX_CONTENT)]
