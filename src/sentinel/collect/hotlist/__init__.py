"""Hot lists (热搜榜): the ranked topic lists of Weibo, Baidu, Zhihu, Douyin and Toutiao, and any
of them through a newsnow instance.

One module per platform turns the bytes of one response into a :class:`~.board.Board` — its
ranked entries, the pinned ones, and what was wrong with single entries — as a pure function
(``parse(content, url) -> Board``). Ads and commercial placements are dropped; pinned rows are not
ranked. A response whose shape has changed (a key the adapter relies on is missing or of another
type) is a ``malformed`` :class:`~sentinel.errors.ParseError` naming what is missing, never an
empty list: an empty list would mark every entry as gone. :mod:`.collector` fetches through the
shared fetcher and hands the board on as items and a :class:`~sentinel.collect.types.Listing`.
"""
