"""Cleaning around trafilatura: boilerplate nodes out before, residue lines out after.

Before: the profile's ``boilerplate_selectors`` nodes are dropped from the tree (their tail
text, which belongs to the parent, is kept). After, line by line: what trafilatura could
not know is boilerplate (the profile's ``boilerplate_lines``), the residue of flattened
layout tables ("| |"), image alt text the CMS turns into captions ("<title> - Ảnh 1"), a
caption repeated, the headline repeated as the first line, the headlines of the related
articles (also when several are run together on one line), and the credit and signature
lines at the end, which become ``source_credit`` and ``authors`` instead of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from crawler.extraction.dateparse import WEEKDAY_RE
from crawler.extraction.headlines import is_teaser, only_headlines
from crawler.extraction.page import Page, clean_space, css_select
from crawler.extraction.people import is_credit, looks_like_signature

_PIPES = re.compile(r"^[\s|]+|[\s|]+$")
_EMPTY_CELLS = re.compile(r"\|(?:\s*\|)+")
_ALT_CAPTION = re.compile(r"(?:^|\s[-–]\s*)Ảnh\s*\d+$")
# A line that is only a date stamp ("Thứ bảy, 01/06/2019 10:45"): the page's date line.
_DATE_LINE = re.compile(rf"^{WEEKDAY_RE}?\s*[,.\-–]?\s*(?:\d{{1,2}}:\d{{2}}\s*[-–,|]?\s*)?"
                        r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2})"
                        r"(?:\s*[-–,|]?\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:\(?GMT[+-]\d+\)?)?$",
                        re.IGNORECASE)
_LETTERS = re.compile(r"\w")
# A photo caption: it ends by crediting the photo ("… tại Tokyo. (Nguồn: Kyodo)",
# "… (Ảnh minh họa: Reuters)", "… / AFP/„Scanpix“ nuotr.").
_CAPTION = re.compile(r"(?:\((?:ảnh|nguồn|photo|foto|source)(?:\s+minh\s+họa)?\s*:[^()]{1,80}\)\.?"
                      r"|\bnuotr\.)$", re.IGNORECASE)
# Lines any publisher prints around the story, in any CMS: a "Read more" teaser, a photo's
# credit alone or closing a caption, a placeholder for an external embed awaiting consent, a
# newsletter or subscription pitch. Only lines up to PITCH_MAX characters: a paragraph that
# mentions a newsletter is not a pitch.
PITCH_MAX = 400
_FURNITURE = re.compile(
    r"^(?:read (?:more|also)|see also|lesen sie (?:auch|mehr)|mehr zum thema|auch interessant"
    r"|weiterlesen|lire aussi|leer más|lee también)\s*:"
    r"|^(?:photo|image|bild|foto|picture)\s*:\s*\S[^.!?]{0,100}$"
    r"|\s(?:photo|image|bild|foto)\s*:\s*[^.!?:]{2,60}$"
    r"|\bexterne[nr]?\s+inhalte?\b|\bexternal content\b|\bredaktioneller inhalt$"
    r"|^link zum [\w-]+-inhalt$"
    r"|\bnewsletter\b.{0,80}\b(?:sign up|subscribe|anmelden|abonnieren|hier entlang|inbox)"
    r"|\b(?:sign up|subscribe|anmelden|abonnieren)\b.{0,80}\bnewsletter\b"
    r"|réservée aux abonnés|abonnement erforderlich|\babonnieren für\b",
    re.IGNORECASE)
# A photo story tells its story in the captions: where credited captions hold this share of
# the text, they are the text (their credit cut off), not captions beside it.
CAPTION_STORY_SHARE = 0.4
# Labels of page furniture, whatever the site: a line that is only one of these is no text.
GENERIC_LABELS = frozenset({
    "tin liên quan", "bài liên quan", "tin cùng chuyên mục", "xem thêm", "đọc thêm",
    "chia sẻ", "chia sẻ zalo", "bình luận", "ý kiến bạn đọc", "related", "related articles",
    "related stories", "read more", "advertisement", "reklama", "susiję straipsniai",
})
_TAIL_LINES = 4  # how far up from the end credits and signatures are looked for
_CREDIT_LINE_MAX = 60


def drop_boilerplate(page: Page, linked: list[str] | None = None,
                     unlinked: list[str] | None = None) -> int:
    """Remove the profile's boilerplate nodes from ``page.tree``; return how many. The text
    of each dropped node that holds a link (related articles, menus, tags: never content,
    unlike a caption) is appended to ``linked`` (lower-cased), that of every other dropped
    node to ``unlinked`` (as printed: what the general reading could still find there)."""
    if not page.site:
        return 0
    dropped = 0
    for css in page.site.boilerplate_selectors:  # a malformed one drops nothing
        for el in css_select(page.tree, css):
            if isinstance(el, HtmlElement) and el.getparent() is not None:
                if el.find(".//a") is not None:
                    if linked is not None:
                        linked.append(clean_space(el.text_content()).lower())
                elif unlinked is not None:
                    unlinked.append(clean_space(el.text_content()))
                el.drop_tree()
                dropped += 1
    return dropped


def lead_paragraph(page: Page, lines: list[str], description: str | None) -> str | None:
    """The lead ("sapo") when trafilatura left it out: many templates print it outside the
    body container (``div.detail-sapo``, ``h2.article-sapo``). It is found as the visible
    element whose text is the page's description; None when the text already has it."""
    if not description or len(description) < 40:
        return None
    needle = description[:40]
    if lines and needle in lines[0]:
        return None
    body = page.tree.find("body")
    if body is None:
        return None
    for el in body.xpath(".//*[not(self::script) and not(self::style) and not(self::a)]"
                         "[text()[contains(., $n)]]", n=needle):
        text = clean_space(el.text_content())
        if text.startswith(needle) and len(text) <= len(description) * 1.5 + 50:
            # The first match in page order decides: a body paragraph (the description was
            # taken from the text) is no separate lead and stays where it is.
            return None if el.tag == "p" and text in lines else text
    return None


def _same(a: str, b: str) -> bool:
    return a.lower().strip(" .:!?\"'“”") == b.lower().strip(" .:!?\"'“”")


@dataclass
class Cleaned:
    lines: list[str]
    credits: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    date_lines: int = 0  # lines that were only a date: a listing's teasers have one each
    link_chars: int = 0  # characters of lines that were only a headline link
    excerpt_chars: int = 0  # characters of lines right after such a link: a teaser's excerpt
    # Furniture lines left out (teasers, pitches, credits) and where they stood: the verdict
    # still reads them, as it did before they were left out (a pitch is an article's).
    furniture: list[tuple[int, str]] = field(default_factory=list)

    @property
    def judged(self) -> list[str]:
        """The lines with the furniture back in place, for the article verdict."""
        out = list(self.lines)
        for at, line in self.furniture:
            out.insert(min(at, len(out)), line)
        return out

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines) + max(0, len(self.lines) - 1)


def clean_lines(text: str, page: Page, title: str | None, related: set[str],
                anchors: set[str], authors: list[str], lead: str | None = None) -> Cleaned:
    """The extracted text, line by line, without residue; credits and signatures set aside.
    ``lead``, when given, is put first (see :func:`lead_paragraph`)."""
    site = page.site
    boiler = site.boilerplate_line_res if site else ()
    kept: list[str] = []
    date_lines = link_chars = excerpt_chars = 0
    after_link = False
    furniture: list[tuple[int, str]] = []
    raws = ([lead] if lead else []) + text.splitlines()
    in_captions = sum(len(r) for r in raws if _CAPTION.search(r.strip()))
    story_in_captions = in_captions >= CAPTION_STORY_SHARE * sum(len(r) for r in raws)
    for raw in raws:
        line = _PIPES.sub("", _EMPTY_CELLS.sub("|", clean_space(raw)))
        if not _LETTERS.search(line) or any(r.search(line) for r in boiler):
            continue
        if line.lower().rstrip(" :") in GENERIC_LABELS:
            continue
        if len(line) <= PITCH_MAX and _FURNITURE.search(line.lstrip("-•*· ")):
            furniture.append((len(kept) + len(furniture), line))
            continue
        if _CAPTION.search(line):
            if story_in_captions:
                line = _CAPTION.sub("", line).rstrip()  # the photo's credit is not the story's
            else:
                if kept and len(kept[-1]) >= 10 and line.startswith(kept[-1]):
                    kept.pop()  # the same caption without its credit (the image's alt text)
                continue
        if _DATE_LINE.match(line):
            date_lines += 1
            continue
        if _ALT_CAPTION.search(line):
            continue
        if related and only_headlines(line, related):
            continue
        if line.lower().lstrip("-•*· ") in anchors:  # a link alone on its line (or list item)
            link_chars += len(line)
            after_link = True
            continue
        # A headline link on its own line, then its excerpt: a listing's teaser (h3 + p).
        excerpt_chars += len(line) if after_link else 0
        after_link = False
        if kept and _same(line, kept[-1]):
            continue
        if lead and kept and (line == kept[0] or (len(line) >= 10 and line in kept[0])):
            continue  # the lead printed again in the body (only the lead: repeats are content)
        if title and len(kept) <= int(bool(lead)) and len(line) >= 10 and line in title:
            continue  # the headline (or a piece of it, wrapped in the source) before the text
        if kept and len(kept[-1]) >= 20 and line.startswith(kept[-1]):
            kept[-1] = line  # caption then caption + credit: keep the longer one
            continue
        kept.append(line)
    if kept and title and _same(kept[0], title):
        kept.pop(0)
    cleaned = _split_tail(kept, page, anchors, authors)
    cleaned.date_lines, cleaned.link_chars = date_lines, link_chars
    cleaned.excerpt_chars, cleaned.furniture = excerpt_chars, furniture
    return cleaned


def _split_tail(kept: list[str], page: Page, anchors: set[str], authors: list[str]) -> Cleaned:
    site_res = page.site.source_credit_res if page.site else ()
    known = {a.lower() for a in authors}
    out = Cleaned(kept)
    for _ in range(_TAIL_LINES):
        if len(kept) < 2:
            break
        last = kept[-1]
        if is_teaser(last, anchors):
            kept.pop()
        elif len(last) <= _CREDIT_LINE_MAX and is_credit(last, site_res):
            out.credits.insert(0, kept.pop())
        elif last.lower() in known:
            kept.pop()
        elif page.site and not known and not out.signatures and looks_like_signature(last):
            out.signatures.append(kept.pop())
        else:
            break
    return out
