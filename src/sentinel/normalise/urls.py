"""Canonical URLs: one spelling per article, so that a link shared with tracking noise is the same link.

What :func:`canonical_url` changes, and why:

- scheme and host are lower-cased (they are case-insensitive), a trailing dot on the host and any
  ``user:password@`` are dropped, and the default port (80 for http, 443 for https) is dropped;
- the path keeps its case (servers may be case-sensitive); characters that should be
  percent-encoded (non-ASCII, spaces) are encoded, existing ``%XX`` escapes are kept as written;
  an empty path becomes ``/``;
- the fragment is dropped, except a route fragment (``#/...`` or ``#!...``): mobile news sites built
  as single-page apps put the article id there, and dropping it would merge every article into one;
- tracking parameters are removed (:data:`TRACKING_PARAMS` and any ``utm_*``), and the remaining
  parameters are sorted, keeping their original encoding.

Tracking parameters were chosen from links seen on Chinese news and government sites and their share
paths (WeChat, Weibo, Toutiao, Bilibili, Alibaba's ``spm``): each one identifies who shared or
clicked, never which article. ``timestamp`` is included because share links carry it as the share
time; short cache-busters such as ``t`` or ``_`` are kept, because some CMSs use ``t`` for content.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        # Alibaba/Taobao family, used on many portals
        "spm",
        "spm_id_from",
        "scm",
        # WeChat and QQ share links
        "from",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "sharer_sharetime",
        "sharer_shareid",
        "share_token",
        "srcid",
        "pass_ticket",
        "exportkey",
        "ascene",
        "devicetype",
        "nettype",
        "abtest_cookie",
        "wx_header",
        "timestamp",
        # Weibo, Toutiao, Bilibili, app shares
        "wfr",
        "share_from",
        "share_source",
        "share_medium",
        "share_plat",
        "share_tag",
        "share_session_id",
        "tt_from",
        "vd_source",
        "from_source",
        "app_version",
        # international ad click ids
        "fbclid",
        "gclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 reserved and unreserved characters, plus "%" so existing escapes are kept as written.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$&'()*+,;=-._~?"
_LINK_SCHEMES = ("http", "https")


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url`` (see the module docstring). A URL that cannot be split is
    returned stripped, unchanged otherwise: canonicalising never fails."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = quote(parts.path, safe=_PATH_SAFE) or ("/" if host else "")
    query = _clean_query(parts.query)
    fragment = parts.fragment if parts.fragment.startswith(("/", "!")) else ""
    return urlunsplit((scheme, host, path, query, quote(fragment, safe=_QUERY_SAFE + "#")))


def _clean_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key = unquote(pair.partition("=")[0]).strip().lower()
        if key in TRACKING_PARAMS or key.startswith("utm_"):
            continue
        kept.append(quote(pair, safe=_QUERY_SAFE))
    kept.sort()
    return "&".join(kept)


def resolve(base: str, link: str | None) -> str | None:
    """``link`` as found in a page or feed, made absolute against ``base``.

    None for an empty link and for anything that is not an http(s) URL once resolved
    (``javascript:``, ``mailto:``, ``data:``, a bare ``#``): those are never articles.
    """
    if link is None:
        return None
    link = link.strip()
    if not link or link.startswith("#"):
        return None
    try:
        absolute = urljoin(base, link)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    if scheme not in _LINK_SCHEMES:
        return None
    return absolute
