"""Generic mode: no listing page of any kind is archived, every article is.

Two portals without a site profile (tests/listing_portals.py: a Vietnamese one in the Dân trí
manner, a Lithuanian one in the 15min manner) are served on 127.0.0.1 and each crawled once from
its home page (``-a start_urls=… -a allowed_domains=127.0.0.1``, relevance threshold 0, so any
page read as an article is archived). Each kind of listing is then its own test twice: the page
alone through ``extract`` on the generic path, and the crawl, which must have fetched it and not
archived it. The articles (seed texts at URLs no pattern knows, one of three sentences) must all
be archived: a verdict that rejects everything passes no test here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from crawler.extraction import extract_with_report
from crawler.launch.crawl_spec import CrawlSpec
from tests.listing_portals import Portal, Story, build, seed_text
from tests.local_web import Handler, LocalWeb, articles, crawl, serve

pytestmark = pytest.mark.slow

VI_CHROME = {
    "locale": "vi_VN", "search": "/tim-kiem", "latest": "Tin mới nhất", "ad": "Quảng cáo",
    "menu": '<a href="/">Trang chủ</a> <a href="/the-gioi.htm">Thế giới</a> '
            '<a href="/thoi-su.htm">Thời sự</a> <a href="/kinh-doanh.htm">Kinh doanh</a>',
    "footer": "<p>© 2024 Báo Tin Quốc Tế. Giấy phép số 123/GP-BTTTT. Tổng biên tập: Nguyễn Văn "
              "An.</p><p>Địa chỉ: 12 Phố Huế, Hà Nội. Hotline: 0123 456 789</p>",
    "home": "Trang chủ", "section": "Thế giới", "event_label": "Dòng sự kiện:",
    "event": "Quan hệ Nga - Nhật Bản", "author": "Minh An", "tag": "Quần đảo Kuril",
    "related": "Tin liên quan", "trending": "Nga Nhật",
    "event_intro": "Cập nhật tin tức về tiến trình đàm phán hiệp ước hòa bình giữa Nga và Nhật "
                   "Bản, tranh chấp chủ quyền quần đảo Kuril mà Nhật Bản gọi là Lãnh thổ phương "
                   "Bắc, và các cuộc gặp giữa Tổng thống Vladimir Putin và Thủ tướng Shinzo Abe.",
    "bio": "Minh An là phóng viên ban Quốc tế, theo dõi quan hệ Nga - Nhật Bản, NATO và an ninh "
           "châu Á - Thái Bình Dương từ năm 2012. Anh tốt nghiệp Học viện Ngoại giao và từng "
           "thường trú tại Moscow trong ba năm.",
    "found": "Tìm thấy 37 kết quả cho từ khóa “Nga Nhật”",
}  # fmt: skip
LT_CHROME = {
    "locale": "lt_LT", "search": "/paieska", "latest": "Naujausios", "ad": "Reklama",
    "menu": '<a href="/">Naujienos</a> <a href="/naujienos/pasaulis">Pasaulis</a> '
            '<a href="/naujienos/lietuva">Lietuva</a> <a href="/verslas">Verslas</a>',
    "footer": "<p>© 2005–2024 UAB „Žinių portalas“. Visos teisės saugomos. Kopijuoti, dauginti, "
              "platinti galima tik su portalo sutikimu.</p>",
    "home": "Pradžia", "section": "Pasaulis", "event_label": "Siužetas:",
    "event": "Rusijos ir Japonijos taikos sutartis", "author": "Ieva Žilinskaitė",
    "tag": "Kurilų salos", "related": "Susiję straipsniai", "trending": "Rusija ir Japonija",
    "event_intro": "Rusija ir Japonija iki šiol nėra pasirašiusios taikos sutarties po Antrojo "
                   "pasaulinio karo dėl ginčo dėl Kurilų salų, kurias Japonija vadina "
                   "Šiaurinėmis teritorijomis. Visos naujienos apie derybas ir susitikimus.",
    "bio": "Ieva Žilinskaitė – tarptautinės politikos žurnalistė, rašanti apie Rusijos ir "
           "Japonijos santykius, NATO ir saugumą Rytų Azijoje. Anksčiau dirbo naujienų "
           "agentūroje BNS, studijavo Vilniaus universitete.",
    "found": "Rasta 42 rezultatai pagal užklausą „Rusija Japonija“",
}  # fmt: skip

VI = "000_8f5f427604bae234.txt", "001_9deac151bf20f269.txt", "003_1cdc3babee419195.txt"
LT = "002_1b1c4a11e1fa1f24.txt"


def _vietnamese() -> Portal:
    stories = [
        Story("/the-gioi/nga-va-nato-bat-ngo-nhom-hop-sau-2-nam-lanh-nhat-20160409101714155.htm",
              "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt",
              "Nga và NATO nhất trí nối lại Hội đồng Nga - NATO, lần đầu sau gần 2 năm quan hệ "
              "bị đóng băng vì cuộc khủng hoảng Crimea.", seed_text(VI[2], *range(9)),
              "og+jsonld", "09/04/2016 10:17", "2016-04-09T10:17:00+07:00"),
        Story("/a/125634", "Hội nghị thượng đỉnh Nga - Nhật sẽ diễn ra vào cuối năm",
              "Thủ tướng Nhật Bản Shinzo Abe và Tổng thống Nga Vladimir Putin nhất trí tổ chức "
              "hội nghị thượng đỉnh, nối lại đàm phán về quần đảo Kuril.",
              seed_text(VI[0], *range(6)), "article-tag", "30/09/2015 08:45",
              "2015-09-30T08:45:00+07:00"),
        Story("/tin-tuc/2019/06/02/nga-nhat-that-bai-dat-thoa-thuan-khung",
              "Nga - Nhật thất bại trong việc đạt thỏa thuận khung trước G20",
              "Nga và Nhật Bản không đạt được thỏa thuận khung về hiệp ước hòa bình và quần đảo "
              "Kuril trước Hội nghị thượng đỉnh G20 tại Osaka.", seed_text(VI[1], *range(5)),
              "og", "02/06/2019 14:20", "2019-06-02T14:20:00+07:00"),
        Story("/p/nga-my-dien-dam.html", "Ngoại trưởng Nga và Mỹ điện đàm sau thượng đỉnh",
              "Ngoại trưởng Nga Sergei Lavrov và Ngoại trưởng Mỹ Mike Pompeo điện đàm sau cuộc "
              "gặp thượng đỉnh Nga - Mỹ tại Helsinki.",  # a short story: three sentences
              seed_text("004_e19f59f904af0846.txt", 2, 4), "jsonld", "21/07/2018 08:31",
              "2018-07-21T08:31:00+07:00"),
    ]  # fmt: skip
    gone = [
        ("/the-gioi/ong-putin-va-ong-abe-gap-nhau-ben-le-apec-20161119143012345.htm",
         "Ông Putin và ông Abe gặp nhau bên lề APEC", "Tổng thống Nga Vladimir Putin và Thủ "
         "tướng Nhật Bản Shinzo Abe thảo luận về hoạt động kinh tế chung trên quần đảo Kuril."),
        ("/the-gioi/nato-tang-cuong-hien-dien-o-dong-au-20160614095512327.htm",
         "NATO tăng cường hiện diện quân sự ở Đông Âu", "NATO nhất trí triển khai bốn tiểu đoàn "
         "tới Ba Lan và các nước Baltic, Nga cảnh báo sẽ đáp trả tương xứng."),
        ("/the-gioi/nhat-ban-phan-doi-nga-trien-khai-ten-lua-o-kuril-20161123071512001.htm",
         "Nhật Bản phản đối Nga triển khai tên lửa ở Kuril", "Tokyo cho rằng việc Nga triển "
         "khai tên lửa Bal và Bastion trên quần đảo Kuril đi ngược lập trường của Nhật Bản."),
    ]  # fmt: skip
    kinds = {
        "home": ("/", "Tin tức thế giới mới nhất", "website", "WebSite"),
        # Dân trí's CMS prints og:type article on its section pages (tests/real-html).
        "section": ("/the-gioi.htm", "Thế giới", "article", "CollectionPage"),
        "section page 2": ("/the-gioi/trang-2.htm", "Thế giới - Trang 2", "article",
                           "CollectionPage"),
        "section page 3": ("/the-gioi/trang-3.htm", "Thế giới - Trang 3", "article",
                           "CollectionPage"),
        # /chu-de/, not /tag/: the generic profile never fetches /tag/ URLs (spiders/generic.py),
        # and a page never fetched puts the verdict to no test.
        "tag": ("/chu-de/quan-dao-kuril.htm", "Quần đảo Kuril", "website", "CollectionPage"),
        "event": ("/su-kien/quan-he-nga-nhat-ban-1188.htm", "Quan hệ Nga - Nhật Bản", "article",
                  "CollectionPage"),
        "author": ("/tac-gia/minh-an.htm", "Minh An", "profile", "ProfilePage"),
        "search": ("/tim-kiem?q=Nga+Nh%E1%BA%ADt", "Kết quả tìm kiếm: Nga Nhật", "website",
                   "WebPage"),
    }  # fmt: skip
    return build(Portal("vi", "Tin Quốc Tế", VI_CHROME, stories, gone), kinds)


def _lithuanian() -> Portal:
    stories = [
        Story("/naujiena/pasaulis/japonija-ir-rusija-pirmakart-aptare-saugumo-klausimus-57-381865",
              "Japonija ir Rusija pirmąkart aptarė saugumo klausimus",
              "Japonijos ir Rusijos užsienio reikalų bei gynybos ministrai Tokijuje pirmąkart "
              "susitiko „2 plius 2“ formatu, nors ginčas dėl Kurilų salų tebesitęsia.",
              seed_text(LT, 0, 2, 3, 4), "og+jsonld", "2013.11.02 13:12",
              "2013-11-02T13:12:00+02:00"),
        Story("/straipsnis/2013/11/02/kishida-naujas-skyrius-santykiuose",
              "F.Kishida: Japonijos ir Rusijos santykiuose atverstas naujas skyrius",
              "Japonijos diplomatijos vadovas Fumio Kishida sako, kad bendradarbiavimas saugumo "
              "srityje padės Japonijai ir Rusijai derybose dėl taikos sutarties.",
              seed_text(LT, 5, 6, 7), "og", "2013.11.02 16:40", "2013-11-02T16:40:00+02:00"),
        Story("/a/381901", "Rusija ir Japonija vis dar be taikos sutarties",
              "Rusija ir Japonija iki šiol nepasirašė taikos sutarties dėl ginčo dėl Kurilų "
              "salų.", seed_text(LT, 8, 9),  # a short story that declares nothing at all
              "nothing", "2013.11.03 09:05", "2013-11-03T09:05:00+02:00"),
    ]  # fmt: skip
    gone = [
        ("/naujiena/pasaulis/v-putinas-ir-s-abe-susitiko-socyje-57-403398",
         "V.Putinas ir S.Abe susitiko Sočyje", "Rusijos prezidentas Vladimiras Putinas ir "
         "Japonijos premjeras Shinzo Abe aptarė taikos sutartį ir Kurilų salų ateitį."),
        ("/naujiena/pasaulis/nato-sustabde-bendradarbiavima-su-rusija-57-416502",
         "NATO sustabdė bendradarbiavimą su Rusija", "NATO užsienio reikalų ministrai "
         "Briuselyje nusprendė sustabdyti civilinį ir karinį bendradarbiavimą su Rusija."),
        ("/naujiena/pasaulis/japonija-protestuoja-del-pratybu-kuriluose-57-420011",
         "Japonija protestuoja dėl Rusijos pratybų Kuriluose", "Tokijas pareiškė protestą "
         "Maskvai dėl karinių pratybų Pietų Kuriluose, kuriuos vadina Šiaurinėmis teritorijomis."),
        ("/naujiena/pasaulis/s-lavrovas-taikos-sutartis-ne-artimiausiu-metu-57-421377",
         "S.Lavrovas: taikos sutartis su Japonija – ne artimiausiu metu", "Rusijos diplomatijos "
         "vadovas Sergejus Lavrovas sako, kad Maskva ir Tokijas dar toli nuo susitarimo."),
    ]  # fmt: skip
    kinds = {
        "home": ("/", "Naujienos", "website", "WebSite"),
        "section": ("/naujienos/pasaulis", "Pasaulis", "website", "CollectionPage"),
        "section page 2": ("/naujienos/pasaulis?page=2", "Pasaulis – 2 puslapis", "website",
                           "CollectionPage"),
        "section page 3": ("/naujienos/pasaulis?page=3", "Pasaulis – 3 puslapis", "website",
                           "CollectionPage"),
        # Some CMSs print og:type article on every page, topic pages included.
        "tag": ("/tema/kurilu-salos", "Tema: Kurilų salos", "article", "CollectionPage"),
        "tag page 2": ("/tema/kurilu-salos/puslapis/2", "Tema: Kurilų salos – 2 puslapis",
                       "article", "CollectionPage"),
        "event": ("/siuzetas/rusijos-ir-japonijos-taikos-sutartis",
                  "Siužetas: Rusijos ir Japonijos taikos sutartis", "website", "CollectionPage"),
        "author": ("/autorius/ieva-zilinskaite", "Ieva Žilinskaitė", "profile", "ProfilePage"),
        "search": ("/paieska?q=Rusija+Japonija", "Paieška: Rusija Japonija", "website",
                   "SearchResultsPage"),
    }  # fmt: skip
    return build(Portal("lt", "Žinių portalas", LT_CHROME, stories, gone), kinds)


PORTALS = {"vi": _vietnamese(), "lt": _lithuanian()}
CASES = [(lang, kind) for lang, portal in PORTALS.items() for kind in portal.listings]


def _route(page: str) -> Callable[[Handler], None]:
    return lambda request: request.send(200, page.encode("utf-8"))


@dataclass
class Crawled:
    web: LocalWeb
    archived: dict[str, str]  # path (query included) -> archived text


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Crawled]]:
    """Each portal crawled once from its home page; every test reads these two crawls."""
    out: dict[str, Crawled] = {}
    with serve({p: _route(h) for p, h in PORTALS["vi"].pages.items()}) as vi, serve(
        {p: _route(h) for p, h in PORTALS["lt"].pages.items()}
    ) as lt:
        for lang, web in (("vi", vi), ("lt", lt)):
            db = f"sqlite:///{tmp_path_factory.mktemp(lang) / 'archive.db'}"
            spec = CrawlSpec(start_urls=(f"{web.base}/",), allowed_domains=("127.0.0.1",))
            run = crawl(spec, db, {}, env={"CRAWLER_ALLOW_PRIVATE_NETWORKS": "true"})
            assert run.returncode == 0 and "Traceback" not in run.log, run.log[-3000:]
            rows = articles(db).items()
            archived = {url.removeprefix(web.base): row["text"] for url, row in rows}
            out[lang] = Crawled(web, archived)
        yield out


def _archived_listings(lang: str, crawled: Crawled) -> list[str]:
    return sorted(set(crawled.archived) & set(PORTALS[lang].listings.values()))


@pytest.mark.parametrize("lang", PORTALS)
def test_every_article_is_archived(lang: str, crawled: dict[str, Crawled]) -> None:
    stories = {story.path: story for story in PORTALS[lang].stories}
    missing = sorted(set(stories) - set(crawled[lang].archived))
    assert missing == [], f"articles not archived: {missing}"
    for path, story in stories.items():  # each as itself, to its last sentence
        assert story.paragraphs[-1][-60:] in crawled[lang].archived[path], path


@pytest.mark.parametrize("lang", PORTALS)
def test_nothing_but_the_articles_is_archived(lang: str, crawled: dict[str, Crawled]) -> None:
    stories = {story.path for story in PORTALS[lang].stories}
    others = sorted(set(crawled[lang].archived) - stories)
    assert others == [], f"archived pages that are no article: {others}"


@pytest.mark.parametrize(("lang", "kind"), CASES, ids=[f"{lang}-{kind}" for lang, kind in CASES])
def test_the_crawl_fetches_the_listing_and_does_not_archive_it(
    lang: str, kind: str, crawled: dict[str, Crawled]
) -> None:
    path = PORTALS[lang].listings[kind]
    assert crawled[lang].web.requested(path) >= 1, f"the crawl never fetched {path}"
    assert path not in crawled[lang].archived, (
        f"{kind} page {path} archived; all listings archived: "
        f"{_archived_listings(lang, crawled[lang])}"
    )


@pytest.mark.parametrize(("lang", "kind"), CASES, ids=[f"{lang}-{kind}" for lang, kind in CASES])
def test_the_listing_alone_gives_no_article(lang: str, kind: str) -> None:
    portal = PORTALS[lang]
    path = portal.listings[kind]
    url = f"http://127.0.0.1:8000{path}"  # the generic path: no profile owns this host
    found = extract_with_report(portal.pages[path].encode("utf-8"), url, sites=())
    article = found.article
    assert article is None, (
        f"{kind} page {path} read as an article: {article.title!r}, "
        f"{len(article.text)} characters: {article.text[:200]!r}"
    )
