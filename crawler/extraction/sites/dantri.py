"""Dân trí: what its profile cannot say.

- The article id is the publication time: ``…-20160409101714155.htm`` is 2016-04-09
  10:17:14.155 in Hanoi. Old templates print no machine-readable date, so this is often the
  only precise candidate, and where a date line exists it agrees to the second.
- The 2022 template prints the source ("Theo <strong>Forbes</strong>") in
  ``div.singular-source``, outside the text trafilatura keeps.
"""

from __future__ import annotations

import re
from datetime import datetime

from crawler.extraction.dateparse import Parsed, zone
from crawler.extraction.dates import W_URL, DateCandidate
from crawler.extraction.page import Page, clean_space
from crawler.extraction.registry import SiteRules, site_rules
from crawler.items import ExtractedArticle

_ID = re.compile(r"-(\d{17})\.htm")


@site_rules("dantri.com.vn")
class Dantri(SiteRules):
    remember = ("div.singular-source",)  # the profile drops it as boilerplate

    def date_candidates(self, page: Page) -> list[DateCandidate]:
        m = _ID.search(page.url)
        if not m:
            return []
        digits = m[1]
        try:
            naive = datetime.strptime(digits[:14], "%Y%m%d%H%M%S")
        except ValueError:  # an id that is not a timestamp (older numbering)
            return []
        tz = zone(page.site.timezone if page.site else "Asia/Ho_Chi_Minh")
        parsed = Parsed(naive.replace(tzinfo=tz), has_time=True, has_offset=False)
        return [DateCandidate(parsed, digits, "url", W_URL)]

    def finish(self, page: Page, article: ExtractedArticle) -> None:
        if article.source_credit:
            return
        if found := page.select("div.singular-source"):
            article.source_credit = clean_space(found[0])
