"""canonical_url and resolve."""

from __future__ import annotations

import pytest

from sentinel.normalise.urls import canonical_url, resolve


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host lower-cased, path case kept
        ("HTTP://WWW.Zhengzhou.GOV.cn/News/A.HTM", "http://www.zhengzhou.gov.cn/News/A.HTM"),
        # default ports dropped, others kept
        ("http://www.henan.gov.cn:80/a", "http://www.henan.gov.cn/a"),
        ("https://www.henan.gov.cn:443/a", "https://www.henan.gov.cn/a"),
        ("http://www.henan.gov.cn:8080/a", "http://www.henan.gov.cn:8080/a"),
        ("https://www.henan.gov.cn:80/a", "https://www.henan.gov.cn:80/a"),
        # fragment dropped, but a route fragment kept
        ("http://a.cn/news/1.html#comments", "http://a.cn/news/1.html"),
        ("https://m.a.cn/#/detail/12345", "https://m.a.cn/#/detail/12345"),
        ("https://m.a.cn/#!/detail/12345", "https://m.a.cn/#!/detail/12345"),
        # tracking parameters removed, the rest sorted
        (
            "https://www.a.cn/art?id=9&utm_source=wechat&utm_medium=social&spm=a2.b&page=2",
            "https://www.a.cn/art?id=9&page=2",
        ),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=265&idx=1&sn=abc&scene=21&from=singlemessage&isappinstalled=0",
            "https://mp.weixin.qq.com/s?__biz=MzA&idx=1&mid=265&sn=abc",
        ),
        ("https://a.cn/x?share_token=t&clicktime=1&enterid=2&wfr=spider&timestamp=17", "https://a.cn/x"),
        ("https://a.cn/x?UTM_Campaign=z&b=2&a=1", "https://a.cn/x?a=1&b=2"),
        # a parameter that merely contains a tracking name is kept
        ("https://a.cn/x?fromdate=2024&t=1", "https://a.cn/x?fromdate=2024&t=1"),
        # empty path, credentials, trailing dot
        ("https://A.cn", "https://a.cn/"),
        ("https://user:secret@a.cn./x", "https://a.cn/x"),
        # non-ASCII path percent-encoded; existing escapes kept as written
        ("http://a.cn/新闻/1.html", "http://a.cn/%E6%96%B0%E9%97%BB/1.html"),
        ("http://a.cn/%E6%96%B0%E9%97%BB/1.html", "http://a.cn/%E6%96%B0%E9%97%BB/1.html"),
        ("http://a.cn/a b", "http://a.cn/a%20b"),
        # blank query parameters kept, empty pairs dropped
        ("http://a.cn/x?b=&&a", "http://a.cn/x?a&b="),
        # IPv6 literal
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        # whitespace around the URL
        ("  https://a.cn/x \n", "https://a.cn/x"),
        # what cannot be split comes back stripped
        ("http://a.cn:99999/x", "http://a.cn:99999/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    url = "HTTPS://Www.A.cn:443/新闻/x?utm_source=a&b=1&a=2#top"
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("base", "link", "expected"),
    [
        (
            "http://www.zhongyuan.gov.cn/zwdt/index.html",
            "./202406/t1.html",
            "http://www.zhongyuan.gov.cn/zwdt/202406/t1.html",
        ),
        (
            "http://www.zhongyuan.gov.cn/zwdt/index.html",
            "../tzgg/1.html",
            "http://www.zhongyuan.gov.cn/tzgg/1.html",
        ),
        ("http://www.zhongyuan.gov.cn/zwdt/index.html", "/a/1.html", "http://www.zhongyuan.gov.cn/a/1.html"),
        ("https://a.cn/x/", "//b.cn/y", "https://b.cn/y"),
        ("https://a.cn/x/", "http://c.cn/z", "http://c.cn/z"),
        ("https://a.cn/x/", "  p.html ", "https://a.cn/x/p.html"),
        ("https://a.cn/x/", "javascript:void(0)", None),
        ("https://a.cn/x/", "JavaScript:openWin('1')", None),
        ("https://a.cn/x/", "mailto:xx@a.cn", None),
        ("https://a.cn/x/", "#", None),
        ("https://a.cn/x/", "#top", None),
        ("https://a.cn/x/", "", None),
        ("https://a.cn/x/", None, None),
        ("https://a.cn/x/", "data:text/html,hi", None),
    ],
)
def test_resolve(base: str, link: str | None, expected: str | None) -> None:
    assert resolve(base, link) == expected
