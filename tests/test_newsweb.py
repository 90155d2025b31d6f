"""bench/newsweb.py: the look-alike web has what the benchmarks rely on."""

from __future__ import annotations

import re
from pathlib import Path

from bench import newsweb


def test_the_lookalike_web_has_its_stories_shapes_and_listings(tmp_path: Path) -> None:
    web = newsweb.generate(tmp_path / "web", fillers=40)
    for language in newsweb.PORTALS:
        assert len(web.urls("related", language)) >= 20
        assert len(web.urls("lookalike", language)) >= 20
    urls = [s.url for s in web.stories]
    assert len(set(urls)) == len(urls)
    shapes = {
        "slug and id": r"/[a-z0-9-]+-\d{6}(?:\.html)?$",
        "bare number": r"/(?:a|straipsnis)/\d{6}$",
        "opaque": r"/(?:s|x)/[a-z0-9]{6}$",
    }
    for name, pattern in shapes.items():
        assert any(re.search(pattern, u) for u in web.urls("related")), name
    # A related story is announced, with its lead's first sentence, on its tag page.
    story = next(s for s in web.stories if s.kind == "related" and s.language == "vi")
    tag_page = web.web_dir / "thoibao24.vn" / "chu-de" / story.tags[0] / "index.html"
    text = tag_page.read_text(encoding="utf-8")
    pages = [text] + [p.read_text(encoding="utf-8") for p in tag_page.parent.glob("trang/*/*")]
    assert any(story.url in p and story.teaser.split()[0] in p for p in pages)
