"""The page a one-tap 认领 link opens: ``/a/{code}`` (:mod:`sentinel.escalation.ack_links`).

GET shows what the link is for — the incident's title, grade, place and deadlines, whom the link
was sent to — and one button; POST (that button) acknowledges, or confirms the evidence. A GET
never acts: chat apps (DingTalk, Feishu, WeCom) and mail scanners fetch a link to preview it or to
check it for malware, and such a fetch must not 认领 in the person's name. One tap on the link and
one on the button is the price; the page has no JavaScript, so nothing can press the button for
the visitor, and it fits a 375 px phone screen.

No console login is needed and none is touched: the page neither reads nor sets the session
cookie, so opening a link in a browser where someone is logged in to the console leaves that
session as it was. The code is the credential (a forwarded link acts as the person it was sent to,
and the page says so); its POST needs no CSRF token, since a forged POST would need the code.

A second tap, an expired link, a changed character, a closed incident or evidence already settled
each get a page that says so and changes nothing, with the way on: the console's incident page.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sentinel.escalation import ack_links
from sentinel.escalation.ack_links import AckSigner, Found, LinkState
from sentinel.escalation.clocks import Rules
from sentinel.web.auth import audit_note
from sentinel.web.console.core import SECURITY_HEADERS, Console

#: the status each state answers with (the page says the same in words)
STATUS = {LinkState.READY: 200, LinkState.DONE: 200, LinkState.USED: 409, LinkState.EXPIRED: 410,
          LinkState.INVALID: 404, LinkState.CLOSED: 409, LinkState.SETTLED: 409}
#: the code is in the address: it must not travel on in a Referer, nor be indexed
HEADERS = {**SECURITY_HEADERS, "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def add_ack_links(router: APIRouter, console: Console, signer: AckSigner | None) -> None:
    rules = Rules.from_settings(console.settings)
    engine = console.database.engine
    kinds = {channel.id: channel.kind for channel in console.settings.effective_channels}

    def page(found: Found, *, tapped: bool = False) -> HTMLResponse:
        link = found.link
        kind = kinds.get(link.channel, link.channel) if link else ""
        html = console.env.get_template("ack.html").render(
            found=found, state=found.state.value, link=link, incident=found.incident, response=found.response,
            obligations=found.obligations, now=console.clock.now(), tapped=tapped,
            via=ack_links.CHANNEL_NAMES.get(kind, kind), configured=signer is not None)
        return HTMLResponse(html, status_code=STATUS[found.state], headers=HEADERS)

    @router.get("/a/{code}")
    async def ack_page(code: str) -> Response:
        if signer is None:
            return page(Found(LinkState.INVALID))
        return page(await console.database.read(ack_links.look, engine, signer, code, now=console.clock.now()))

    @router.post("/a/{code}")
    async def ack_tap(request: Request, code: str) -> Response:
        if signer is None:
            return page(Found(LinkState.INVALID), tapped=True)
        client = request.client.host if request.client else None
        found = await console.database.write_and_wake(ack_links.redeem, engine, rules, signer, code, now=console.clock.now(),
                                             client=client, channel_kinds=kinds)
        who = f" as {found.link.person}" if found.link else ""
        audit_note(request, f"one-tap link{who}: {found.state.value}")
        return page(found, tapped=True)
