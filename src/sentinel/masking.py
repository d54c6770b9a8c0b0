"""The one masker of secrets: in URLs, in free text (error messages), in the configuration tree, in logs.

Secrets are not in the configuration file (keys ending in ``_env`` name environment variables), but
a URL can still carry one: a database or webhook password (``user:pass@``), a robot's
``access_token``/``key``, a ``session=``/``ticket=``/``pwd=`` query value written literally instead
of as ``${NAME}``, a Feishu hook's token in its path. Such a URL reaches error messages (a failing
source's "cannot connect to URL"), which are stored, shown in the console and the API, logged and
sent in source alerts: every one of those passes through :func:`mask_text`, the configuration views
through :func:`masked`, and every log record, once :func:`install_log_masking` has run (``sentinel``'s
command line does it first), through :class:`MaskingFilter`.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

MASK = "***"
# query parameters that carry credentials in the services sentinel talks to, and in general
_SECRET_PARAMS = re.compile(r"(token|key|secret|sign|password|passwd|pwd|auth|credential|session|cookie|ticket)",
                            re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")  # ${NAME}: substituted from the environment
_URL_START = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOOK_PATH = re.compile(r"(/hook/)([^/?#]+)")  # Feishu: /open-apis/bot/v2/hook/<token>
# a URL inside text: up to whitespace, a quote or an angle bracket (repr() and HTML around it)
_URL_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)
# NAME=VALUE outside a URL (a query string quoted on its own, a form body in a message)
_PAIR_IN_TEXT = re.compile(r"(?P<key>[A-Za-z0-9_.-]+)=(?P<value>[^&\s'\"<>#]+)")


def mask_url(url: str) -> str:
    """The URL with its password, its secret-looking query values and a hook path token masked."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:
        return MASK  # not parseable: nothing of it can be shown safely
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}{':' + MASK if sep else ''}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, _mask_value(k, v)) for k, v in pairs], safe="${}*")
    path = _HOOK_PATH.sub(_mask_hook, parts.path)
    # built by hand: urlunsplit drops the empty authority of sqlite:///PATH
    return (f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")
            + (f"#{parts.fragment}" if parts.fragment else ""))


def mask_text(text: str) -> str:
    """``text`` with every URL in it masked, and every secret-looking ``name=value`` outside one."""
    pieces: list[str] = []
    done = 0
    for match in _URL_IN_TEXT.finditer(text):
        pieces += [_mask_pairs(text[done:match.start()]), _mask_url_in_text(match)]
        done = match.end()
    return "".join([*pieces, _mask_pairs(text[done:])])


def masked(value: Any) -> Any:
    """A copy of a JSON-like tree with every URL string masked."""
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, str) and _URL_START.match(value):
        return mask_url(value)
    return value


class MaskingFilter(logging.Filter):
    """Masks the secrets in a log record's message (its arguments formatted in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # arguments that do not fit the format: the handler reports it as a logging error
        cleaned = mask_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_installed: list[Any] = []  # the record factory replaced by install_log_masking, to restore


def install_log_masking() -> None:
    """Mask every log record as it is made, whoever logs it (httpx logs each request's URL at INFO)
    and whichever handler writes it: a record factory, since filters on a logger miss its children's
    records and filters on handlers miss handlers added later."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    masking = MaskingFilter()

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        masking.filter(record)
        return record

    _installed.append(previous)
    logging.setLogRecordFactory(make)


def uninstall_log_masking() -> None:
    """Undo :func:`install_log_masking` (tests)."""
    if _installed:
        logging.setLogRecordFactory(_installed.pop())


def _mask_pairs(text: str) -> str:
    return _PAIR_IN_TEXT.sub(lambda m: f"{m['key']}={_mask_value(m['key'], m['value'])}", text)


def _mask_url_in_text(match: re.Match[str]) -> str:
    url = match.group(0)
    bare = url.rstrip(".,;:)]")  # the sentence's punctuation after the URL ("cannot connect to URL: ...")
    return mask_url(bare) + url[len(bare):]


def _mask_value(key: str, value: str) -> str:
    return MASK if _SECRET_PARAMS.search(key) and not _PLACEHOLDER.match(value) else value


def _mask_hook(match: re.Match[str]) -> str:
    token = match.group(2)
    return match.group(1) + (token if _PLACEHOLDER.match(token) else MASK)
