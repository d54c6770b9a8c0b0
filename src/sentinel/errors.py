"""sentinel's exception tree, drawn once::

    SentinelError
    ├── ConfigError            the configuration file is missing, malformed or invalid (exit 2)
    ├── StoreError             the database refused or lost something
    ├── NotFoundError          an id (source, item, incident) that does not exist
    └── CollectError           fetching or parsing one source failed; carries a closed ``reason``
        ├── FetchError         the HTTP exchange failed (timeout, reset, 5xx, too large, ...)
        ├── ParseError         the body could not be read as the source's kind
        └── SourceBlocked      the service refuses us (Weibo 432, ``ok:-100``, a captcha page)

Every ``CollectError`` has a ``reason`` from :data:`FAILURE_REASONS`; metrics use it as a label.
"""

from __future__ import annotations

#: The closed set of reasons a fetch or parse can fail for. Used as a metrics label.
FAILURE_REASONS = (
    "timeout",
    "connect",
    "reset",
    "http_4xx",
    "http_5xx",
    "rate_limited",
    "too_large",
    "too_many_redirects",
    "private_address",
    "empty",
    "malformed",
    "not_a_feed",
    "encoding",
    "blocked",
    "internal",
)


class SentinelError(Exception):
    """Base of every error sentinel raises on purpose."""


class ConfigError(SentinelError):
    """The configuration is invalid. The message names the file, the key path and the problem."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = ": ".join(part for part in (path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class StoreError(SentinelError):
    """The database failed."""


class NotFoundError(SentinelError):
    """An id that names nothing."""


class CollectError(SentinelError):
    """Collecting from one source failed. ``reason`` is one of :data:`FAILURE_REASONS`."""

    def __init__(
        self, reason: str, message: str, *, retry_after: float | None = None, status: int | None = None
    ) -> None:
        if reason not in FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r}")
        self.reason = reason
        self.detail = message
        self.retry_after = retry_after
        self.status = status  # the HTTP status, when there was one
        super().__init__(f"{reason}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        # errors cross process boundaries (the parse pool): rebuild them with their fields
        return (_restore, (type(self), self.reason, self.detail, self.retry_after, self.status))


def _restore(
    cls: type[CollectError], reason: str, detail: str, retry_after: float | None, status: int | None
) -> CollectError:
    error = cls.__new__(cls)
    CollectError.__init__(error, reason, detail, retry_after=retry_after, status=status)
    return error


class FetchError(CollectError):
    """The HTTP exchange failed."""


class ParseError(CollectError):
    """The body is not what the source's kind expects."""


class SourceBlocked(CollectError):
    """The service blocks us: an outage of its own kind, never 'no news'."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__("blocked", message, retry_after=retry_after)
