"""A hostile news site for tests/test_hostile_web.py: one route per fault, pages as sites make them.

The articles are the seed texts (Vietnamese and Lithuanian) in a news template (menu,
breadcrumbs, byline, share bar, tags, related list, footer), each encoded the way such sites
really serve them: windows-1258 with combining tone marks (the code page has no precomposed
"ệ": a letter is its base, its vowel mark, then a combining tone), windows-1257 declared only
in a ``<meta http-equiv>``, a Latin-1 header over a UTF-8 page, decomposed (NFD) UTF-8, and
UTF-8 with invalid bytes and NULs. Around them: the faults (see ``CASES``).
"""

from __future__ import annotations

import functools
import html
import random
import time
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.local_web import Handler
from tests.schedule_harness import REPO_ROOT

SEEDS = REPO_ROOT / "seeds" / "articles"
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # the marks cp1258 keeps apart


def paragraphs(seed: str, start: int, stop: int) -> list[str]:
    path = next(SEEDS.glob(f"{seed}_*.txt"))
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    body = [line for line in lines if len(line) > 120 and "|" not in line][start:stop]
    return [line for line in body if not line.endswith("nuotr.")]  # photo captions: not text


def to_cp1258(text: str) -> bytes:
    """Vietnamese as windows-1258 writes it: precomposed vowel marks, combining tones."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            tones = "".join(c for c in parts if c in _TONES)
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


@dataclass(frozen=True)
class Story:
    path: str
    title: str
    seed: str
    span: tuple[int, int]
    lang: str = "vi"

    @property
    def paragraphs(self) -> list[str]:
        return paragraphs(self.seed, *self.span)


STORIES = {
    "cp1258": Story("/the-gioi/nga-nhat-hoi-dam-cap-cao-201.html",
                    "Nga và Nhật Bản hội đàm cấp cao về hiệp ước hòa bình", "000", (0, 3)),
    "header_lies": Story("/the-gioi/thuong-dinh-nga-nhat-cuoi-nam-202.html",
                         "Thượng đỉnh Nga - Nhật dự kiến diễn ra cuối năm", "000", (3, 6)),
    "nfd": Story("/the-gioi/nga-nhat-that-bai-thoa-thuan-khung-203.html",
                 "Nga - Nhật chưa đạt thỏa thuận khung trước G20", "001", (0, 3)),
    "malformed": Story("/the-gioi/quan-dao-tranh-chap-204.html",
                       "Tranh chấp quần đảo vẫn là trở ngại lớn nhất", "001", (3, 5)),
    "deep": Story("/the-gioi/nga-nato-nhom-hop-205.html",
                  "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt", "003", (0, 4)),
    "busy": Story("/the-gioi/nga-my-binh-thuong-hoa-206.html",
                  "Nga và Mỹ bàn triển vọng bình thường hóa quan hệ", "003", (4, 9)),
    "canonical": Story("/the-gioi/hop-tac-kinh-te-nga-nhat-207.html",
                       "Hợp tác kinh tế Nga - Nhật bước sang giai đoạn mới", "004", (0, 4)),
    "cp1257": Story("/pasaulis/japonija-ir-rusija-208.html",
                    "Japonija ir Rusija pirmąkart aptarė saugumo klausimus", "002", (0, 5), "lt"),
    "broken_bytes": Story("/pasaulis/rusijos-diplomatija-209.html",
                          "Rusijos diplomatija: derybos su Tokiju tęsiasi", "002", (5, 10), "lt"),
}  # fmt: skip

NAV = {
    "vi": '<header class="header"><a class="logo" href="/">Báo Thế Giới Mới</a><nav><ul>'
    '<li><a href="/">Trang chủ</a></li><li><a href="/the-gioi/">Thế giới</a></li>'
    '<li><a href="/lich/2024-01">Lịch sự kiện</a></li>'
    '<li><a href="/tin-moi?trang=1">Tin mới</a></li>'
    "</ul></nav></header>",
    "lt": '<header class="header"><a class="logo" href="/">Naujienų portalas</a><nav><ul>'
    '<li><a href="/">Pradžia</a></li><li><a href="/pasaulis/">Pasaulis</a></li>'
    "</ul></nav></header>",
}  # fmt: skip
HOME_LABEL = {"vi": "Trang chủ", "lt": "Pradžia"}
FOOTER = {
    "vi": '<footer><p>© 2024 Báo Thế Giới Mới. Giấy phép số 45/GP-BTTTT.</p>'
    '<p>Tòa soạn: 12 Phố Huế, Hà Nội. Đường dây nóng: 0912 345 678</p></footer>',
    "lt": "<footer><p>© 2024 Naujienų portalas. Visos teisės saugomos.</p>"
    "<p>Kopijuoti be raštiško sutikimo draudžiama.</p></footer>",
}  # fmt: skip


def article_html(story: Story, head_extra: str = "", charset: str = "utf-8") -> str:
    meta = (
        f'<meta charset="{charset}">'
        if charset == "utf-8"
        else f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    )
    title = html.escape(story.title)
    text = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    related = "".join(
        f'<li><a href="{s.path}">{html.escape(s.title)}</a></li>'
        for s in STORIES.values()
        if s.lang == story.lang and s is not story
    )
    label = {"vi": ("Tin liên quan", "Chia sẻ", "Thẻ"), "lt": ("Susiję", "Dalintis", "Temos")}
    rel, share, tags = label[story.lang]
    return (
        f'<!DOCTYPE html><html lang="{story.lang}"><head>{meta}<title>{title}</title>'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="2024-03-05T08:30:00+07:00">'
        f"{head_extra}</head><body>{NAV[story.lang]}"
        f'<div class="breadcrumb"><a href="/">{HOME_LABEL[story.lang]}</a>'
        f"</div><article><h1>{title}</h1>"
        '<div class="meta"><span class="author">Minh An</span> '
        '<time datetime="2024-03-05T08:30:00+07:00">05/03/2024 08:30</time></div>'
        f'<div class="share"><a href="#">{share} Facebook</a></div>'
        f'<div class="content">{text}</div><div class="tags">{tags}: <a href="/">Nga</a></div>'
        f'</article><section class="related"><h3>{rel}</h3><ul>{related}</ul></section>'
        f"{FOOTER[story.lang]}<script>window.dataLayer=[];</script></body></html>"
    )


# --- the faults ---------------------------------------------------------------------------
def _utf8(story: Story, **kw: str) -> Callable[[Handler], None]:
    return lambda h: h.send(200, article_html(story, **kw).encode("utf-8"))


def _cp1258(h: Handler) -> None:
    page = article_html(STORIES["cp1258"], charset="windows-1258")
    h.send(200, to_cp1258(page), "text/html; charset=windows-1258")


def _cp1257(h: Handler) -> None:  # the header names no charset: only the page does
    page = article_html(STORIES["cp1257"], charset="windows-1257")
    h.send(200, page.encode("cp1257"), "text/html")


def _header_lies(h: Handler) -> None:  # a server default the template never matched
    page = article_html(STORIES["header_lies"])
    h.send(200, page.encode("utf-8"), "text/html; charset=iso-8859-1")


def _nfd(h: Handler) -> None:
    page = unicodedata.normalize("NFD", article_html(STORIES["nfd"]))
    h.send(200, page.encode("utf-8"))


def _broken_bytes(h: Handler) -> None:
    body = article_html(STORIES["broken_bytes"]).encode("utf-8")
    # A truncated multibyte letter, stray continuation bytes, a lone 0xff and NULs in the text.
    body = body.replace(b"Rusija", b"Rusija\x00", 3).replace(b". ", b". \xc4 \x80\xff ", 4)
    h.send(200, body)


def _malformed(h: Handler) -> None:
    page = article_html(STORIES["malformed"])
    page = page.replace("</p>", "", 2).replace('class="content"', "class=content <b")
    page = page.replace("</article>", "</div></div></span></article></td>")
    h.send(200, page.encode("utf-8"))


def _deep(h: Handler) -> None:  # 200,000 unclosed <div> after the story
    page = article_html(STORIES["deep"]).replace("</footer>", "</footer>" + "<div>" * 200_000)
    h.send(200, page.encode("utf-8"))


def _busy(h: Handler) -> None:  # rate limited: the first ask gets 429 and a 2 s wait
    server: Any = h.server
    if not hasattr(server, "busy_first"):
        server.busy_first = time.monotonic()
        h.send(429, b"<html><body><h1>429 Too Many Requests</h1></body></html>",
               headers={"Retry-After": "2"})  # fmt: skip
        return
    server.busy_waited = time.monotonic() - server.busy_first
    _utf8(STORIES["busy"])(h)


def _slow(h: Handler) -> None:  # one byte a second
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "4000")
    h.end_headers()
    for byte in b"<html><body>" + b"x" * 60:
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(1)


def _silent(h: Handler) -> None:  # reads the request, never answers
    time.sleep(30)


def _huge(h: Handler) -> None:  # tens of megabytes, no Content-Length, until the crawler hangs up
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    chunk = ("<p>" + "Tin tức thời sự cập nhật liên tục. " * 40 + "</p>\n").encode() * 40
    h.wfile.write(b"<html><body>")
    for _ in range(40 * 1024 * 1024 // len(chunk)):
        h.wfile.write(chunk)


@functools.cache
def gzip_bomb(megabytes: int = 200) -> bytes:
    """About 200 kB that inflate to ``megabytes`` MB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1024 * 1024
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def _bomb(h: Handler) -> None:
    h.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})


def _binary(h: Handler) -> None:  # an image behind a .html URL and a text/html header
    noise = random.Random(15).randbytes(200_000)
    h.send(200, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + noise, "text/html")


SPA = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo Thế Giới Mới</title>'
    '<link rel="preload" href="/static/js/main.4f2a.js" as="script"></head><body>'
    "<noscript>Bạn cần bật JavaScript để xem trang này.</noscript>"
    '<div id="root"></div><script src="/static/js/main.4f2a.js"></script></body></html>'
)


def _calendar(h: Handler) -> None:  # every month links the next and the last: endless
    year, month = map(int, h.path.rsplit("/", 1)[1].split("-"))
    def shift(d: int) -> str:
        y, m = divmod(year * 12 + month - 1 + d, 12)
        return f"/lich/{y}-{m + 1:02d}"
    body = (
        f'<html><head><meta charset="utf-8"><title>Lịch {year}-{month:02d}</title></head><body>'
        f"{NAV['vi']}<h2>Sự kiện tháng {month}/{year}</h2><p>Chưa có sự kiện.</p>"
        f'<a href="{shift(-1)}">« Tháng trước</a> <a href="{shift(1)}">Tháng sau »</a>'
        f"{FOOTER['vi']}</body></html>"
    )  # fmt: skip
    h.send(200, body.encode())


def _endless_list(h: Handler) -> None:  # "next" forever, every page the same teasers
    page = int(h.path.rsplit("=", 1)[1])
    body = (
        '<html><head><meta charset="utf-8"><title>Tin mới</title>'
        f'<link rel="next" href="/tin-moi?trang={page + 1}"></head><body>{NAV["vi"]}'
        f"<h2>Tin mới - Trang {page}</h2><ul>"
        + "".join(f'<li><a href="{s.path}">{html.escape(s.title)}</a></li>'
                  for s in STORIES.values())
        + f'</ul><a rel="next" href="/tin-moi?trang={page + 1}">Trang sau</a>'
        f'{FOOTER["vi"]}</body></html>'
    )  # fmt: skip
    h.send(200, body.encode())


def _redirect(target: str) -> Callable[[Handler], None]:
    return lambda h: h.send(302, b"", headers={"Location": target})


CANONICAL = STORIES["canonical"].path
AMP = "/amp" + CANONICAL
TRACKED = [
    CANONICAL + "?utm_source=facebook&utm_medium=social&utm_campaign=chia-se",
    CANONICAL + "?fbclid=IwAR2F4-dbP3l3sM9x7ZQ",
]
ROBOTS = b"User-agent: *\nDisallow: /rieng-tu/\nDisallow: /admin/\n"

# name -> (path the home page links, handler)
CASES: dict[str, tuple[str, Callable[[Handler], None]]] = {
    "cp1258": (STORIES["cp1258"].path, _cp1258),
    "cp1257": (STORIES["cp1257"].path, _cp1257),
    "header_lies": (STORIES["header_lies"].path, _header_lies),
    "nfd": (STORIES["nfd"].path, _nfd),
    "broken_bytes": (STORIES["broken_bytes"].path, _broken_bytes),
    "malformed": (STORIES["malformed"].path, _malformed),
    "deep": (STORIES["deep"].path, _deep),
    "busy": (STORIES["busy"].path, _busy),
    "canonical": (CANONICAL, _utf8(STORIES["canonical"])),
    "amp": (AMP, _utf8(STORIES["canonical"],
                       head_extra=f'<link rel="canonical" href="{CANONICAL}">')),
    "empty": ("/thoi-su/trang-trong-301.html", lambda h: h.send(200, b"")),
    "binary": ("/anh/bieu-do-302.html", _binary),
    "javascript": ("/ung-dung/doc-bao-303.html", lambda h: h.send(200, SPA.encode())),
    "huge": ("/du-lieu/kho-tin-304.html", _huge),
    "bomb": ("/du-lieu/nen-305.html", _bomb),
    "loop": ("/chuyen-huong/a", _redirect("/chuyen-huong/b")),
    "down": ("/bao-tri/dang-cap-nhat-306.html",
             lambda h: h.send(502, b"<html><body><center><h1>502 Bad Gateway</h1></center>"
                                   b"<hr><center>nginx</center></body></html>")),
    "slow": ("/cham/mot-byte-moi-giay-307.html", _slow),
    "silent": ("/im-lang/khong-tra-loi-308.html", _silent),
    "calendar": ("/lich/2024-01", _calendar),
    "endless": ("/tin-moi?trang=1", _endless_list),
    "disallowed": ("/rieng-tu/ho-so-mat-309.html", lambda h: h.send(200, b"secret")),
}  # fmt: skip


def home(offsite: str) -> bytes:
    items = "".join(
        f'<li><a href="{path}">{html.escape(name)}</a></li>' for name, (path, _) in CASES.items()
    )
    items += "".join(f'<li><a href="{url}">Chia sẻ</a></li>' for url in TRACKED)
    items += f'<li><a href="{offsite}">Trang đối tác</a></li>'
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo Thế Giới Mới</title>'
        f'<meta property="og:type" content="website"></head><body>{NAV["vi"]}'
        f'<h2>Tin mới nhất</h2><ul class="list">{items}</ul>{FOOTER["vi"]}</body></html>'
    ).encode()


def routes(offsite: str) -> dict[str, Callable[[Handler], None]]:
    table: dict[str, Callable[[Handler], None]] = {path: fn for path, fn in CASES.values()}
    for section in ("/", "/the-gioi/", "/pasaulis/"):
        table[section] = lambda h: h.send(200, home(offsite))
    table["/chuyen-huong/b"] = _redirect("/chuyen-huong/a")  # the loop's far end, not linked
    table["/robots.txt"] = lambda h: h.send(200, ROBOTS, "text/plain")
    table["/tin-moi"] = _endless_list
    for month in range(1, 13):
        for year in range(2015, 2035):
            table[f"/lich/{year}-{month:02d}"] = _calendar
    return table
