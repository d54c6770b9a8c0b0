"""Types for the API's path and query parameters, checked before a route runs (422 naming them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-20T08:00:00+08:00")
    return value


# a time with its offset: a naive one would be read in whichever zone the server runs in
AwareTime = Annotated[datetime | None, AfterValidator(_aware)]
# ids are 64-bit in the store: a larger one cannot name a row (and would overflow SQLite's integers)
RowId = Annotated[int, Path(ge=1, le=2**62)]
