"""Look-alikes: stories in the seeds' vocabulary that a careful reader would not file with them.

Written for these tests (not the benchmark's web): one of a seed's actors with a third country,
one actor alone, the seeds' two countries in sport; and related stories that name the actors in
the title and lead. crawler/focus/actors.py has the rule, docs/relevance.md the reasons.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from crawler.config import RELEVANCE_THRESHOLD
from crawler.focus import actors as ac
from crawler.focus.relevance import LOOKALIKE_FACTOR, RelevanceModel
from crawler.focus.seed_profile import clean_seed_text
from crawler.seeds import load_seeds
from crawler.text import normalize as tn

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

LOOKALIKES = {
    "vi_russia_china": (
        "Nga và Trung Quốc cam kết đưa quan hệ đối tác chiến lược lên tầm cao mới",
        "Tổng thống Nga Vladimir Putin và Chủ tịch Trung Quốc Tập Cận Bình đã hội đàm tại Bắc "
        "Kinh hôm 16/5, nhất trí tăng cường phối hợp về an ninh khu vực và thúc đẩy thương mại "
        "song phương. Hai nhà lãnh đạo ký tuyên bố chung về việc làm sâu sắc quan hệ đối tác "
        "toàn diện.\nTheo Ngoại trưởng Sergei Lavrov, Moscow và Bắc Kinh phản đối việc NATO mở "
        "rộng sang châu Á - Thái Bình Dương. Hai bên cũng thảo luận về hợp tác năng lượng, "
        "trong đó có dự án đường ống Sức mạnh Siberia 2. Kim ngạch thương mại Nga - Trung năm "
        "ngoái đạt hơn 240 tỷ USD.",
    ),
    "vi_japan_korea": (
        "Nhật Bản và Hàn Quốc nối lại đối thoại an ninh sau 5 năm gián đoạn",
        "Ngoại trưởng Nhật Bản Yoshimasa Hayashi và người đồng cấp Hàn Quốc Park Jin đã hội đàm "
        "tại Tokyo, nhất trí khôi phục cơ chế đối thoại an ninh cấp thứ trưởng. Hai bên cũng "
        "thảo luận về tranh chấp lãnh thổ quanh quần đảo Dokdo/Takeshima và vấn đề lao động "
        "thời chiến.\nThủ tướng Fumio Kishida cho biết Tokyo muốn mở ra chương mới trong quan "
        "hệ với Seoul. Giới quan sát nhận định áp lực từ các vụ phóng tên lửa của Triều Tiên đã "
        "thúc đẩy hai nước xích lại gần nhau.",
    ),
    "vi_russia_alone": (
        "Điện Kremlin công bố kế hoạch cải tổ nội các",
        "Người phát ngôn Điện Kremlin Dmitry Peskov ngày 15/1 cho biết Tổng thống Vladimir "
        "Putin đã chấp thuận danh sách thành viên nội các mới do Thủ tướng Mikhail Mishustin đề "
        "xuất. Nhiều bộ trưởng phụ trách kinh tế được giữ lại, trong khi Bộ Phát triển kinh tế "
        "có người đứng đầu mới.\nÔng Peskov nói việc cải tổ nhằm nâng cao hiệu quả thực hiện "
        "các dự án quốc gia về y tế, giáo dục và hạ tầng. Hạ viện Nga dự kiến phê chuẩn các đề "
        "cử trong tuần tới.",
    ),
    "vi_sport": (
        "Tuyển bóng chuyền nữ Nhật Bản đánh bại Nga tại Tokyo",
        "Đội tuyển bóng chuyền nữ Nhật Bản đã thắng Nga 3-1 trong trận đấu thuộc giải Vô địch "
        "thế giới diễn ra tại nhà thi đấu Tokyo tối 2/10. Chủ công Sarina Koga ghi 24 điểm, góp "
        "công lớn vào chiến thắng của đội chủ nhà.\nHuấn luyện viên đội Nga thừa nhận các học "
        "trò đã mắc quá nhiều lỗi phát bóng trong hai set cuối. Với kết quả này, Nhật Bản giành "
        "vé vào vòng hai, còn Nga phải chờ kết quả trận đấu cuối cùng của bảng.",
    ),
    "lt_russia_china": (
        "Rusija ir Kinija sutarė stiprinti strateginę partnerystę",
        "Rusijos prezidentas Vladimiras Putinas ir Kinijos lyderis Xi Jinpingas derybose Pekine "
        "aptarė saugumo klausimus ir pasirašė bendrą pareiškimą dėl glaudesnio "
        "bendradarbiavimo. Užsienio reikalų ministras Sergejus Lavrovas pareiškė, kad Maskva ir "
        "Pekinas nepritaria NATO plėtrai į Aziją.\nŠalys taip pat aptarė energetikos "
        "projektus, tarp jų dujotiekį „Sibiro galia 2“. Prekyba tarp Rusijos ir Kinijos pernai "
        "viršijo 240 mlrd. JAV dolerių.",
    ),
    "lt_japan_korea": (
        "Japonija ir Pietų Korėja atnaujino saugumo dialogą",
        "Japonijos ir Pietų Korėjos užsienio reikalų ministrai Tokijuje susitarė atnaujinti po "
        "penkerių metų pertraukos nutrauktas derybas saugumo klausimais. Diplomatai taip pat "
        "aptarė teritorinį ginčą dėl Dokdo salų.\nPremjeras Fumio Kishida teigė, kad Tokijas "
        "siekia naujo santykių su Seulu etapo. Analitikų teigimu, šalis suartino Šiaurės "
        "Korėjos raketų bandymai.",
    ),
    "lt_putin_alone": (
        "Putinas pasirašė dekretą dėl naujos Rusijos užsienio politikos koncepcijos",
        "Rusijos prezidentas Vladimiras Putinas patvirtino naują užsienio politikos koncepciją, "
        "kurioje Vakarai įvardijami kaip pagrindinė grėsmė šalies saugumui. Kremliaus atstovas "
        "Dmitrijus Peskovas sakė, kad dokumentas atspindi „iš esmės pasikeitusią tarptautinę "
        "situaciją“.\nKoncepcijoje numatyta stiprinti ryšius su Azijos, Afrikos ir Lotynų "
        "Amerikos valstybėmis. Užsienio reikalų ministerija teigė, kad diplomatija išliks "
        "pagrindine priemone.",
    ),
    "lt_sport": (
        "Rusijos rinktinė draugiškose rungtynėse nusileido Japonijai",
        "Rusijos futbolo rinktinė Kazanėje vykusiose draugiškose rungtynėse 1:2 pralaimėjo "
        "Japonijos komandai. Japonams įvarčius pelnė Takumi Minamino ir Daichi Kamada, rusų "
        "vienintelį įvartį įmušė Artiomas Dziuba.\nRinktinės treneris po rungtynių teigė, kad "
        "jo žaidėjams trūko greičio antrajame kėlinyje. Kitą savaitę Japonijos rinktinė žais su "
        "Pietų Korėja.",
    ),
}

RELATED = {
    "lt_related": (
        "Tokijas ir Maskva vėl kalbasi apie Kurilus",
        "Japonijos užsienio reikalų ministras Taro Kono Maskvoje susitiko su Rusijos kolega "
        "Sergejumi Lavrovu ir aptarė taikos sutarties klausimą. Šalys iki šiol nėra "
        "pasirašiusios taikos sutarties dėl ginčo dėl Kurilų salų, kurias Japonija vadina "
        "Šiaurinėmis teritorijomis.\nS.Lavrovas pareiškė, kad Tokijas turi pripažinti Rusijos "
        "suverenitetą salose, o T.Kono pabrėžė, kad derybos vyksta konstruktyviai. Ministrai "
        "sutarė surengti dar vieną derybų raundą prieš V.Putino ir S.Abe susitikimą.",
    ),
    "vi_related": (
        "Ngoại trưởng Nga, Nhật thảo luận về đàm phán hòa bình",
        "Ngoại trưởng Nga Sergei Lavrov và người đồng cấp Nhật Bản Taro Kono đã có cuộc hội đàm "
        "kéo dài ba giờ tại Moscow, tập trung vào tiến trình đàm phán hiệp ước hòa bình giữa "
        "hai nước. Ông Lavrov nhấn mạnh Tokyo cần công nhận chủ quyền của Nga đối với các đảo "
        "thuộc chuỗi Kuril sau Chiến tranh thế giới thứ hai.\nVề phần mình, ông Kono cho biết "
        "hai bên đã trao đổi thẳng thắn và sẽ tiếp tục đàm phán dựa trên Tuyên bố chung 1956. "
        "Cuộc gặp diễn ra nhằm chuẩn bị cho hội nghị thượng đỉnh giữa Tổng thống Putin và Thủ "
        "tướng Abe.",
    ),
}


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    return RelevanceModel.from_seeds(load_seeds(SEEDS_DIR))


@pytest.mark.parametrize("key", sorted(LOOKALIKES))
def test_lookalikes_stay_below_threshold(model: RelevanceModel, key: str) -> None:
    title, text = LOOKALIKES[key]
    assert model.score(text, title).score < RELEVANCE_THRESHOLD


@pytest.mark.parametrize("key", sorted(RELATED))
def test_stories_about_the_actors_together_are_kept(model: RelevanceModel, key: str) -> None:
    title, text = RELATED[key]
    assert model.score(text, title).score >= RELEVANCE_THRESHOLD


def test_the_pair_rule_is_what_keeps_a_third_party_story_out(model: RelevanceModel) -> None:
    # Russia-China in the words of the Russia-Japan and Russia-US seeds: the same text with
    # the third party replaced by a seed's actor scores as related.
    title, text = LOOKALIKES["lt_russia_china"]
    low = model.score(text, title).score
    swapped = model.score(text.replace("Kinijos", "Japonijos"), title.replace("Kinija", "Japonija"))
    assert low < RELEVANCE_THRESHOLD <= swapped.score
    assert low <= swapped.score * LOOKALIKE_FACTOR * 1.5


@pytest.mark.parametrize(
    ("third_party", "seed_pair"),
    [
        ("Putin và Erdogan hội đàm về hiệp ước hòa bình",
         "Putin và Abe hội đàm về hiệp ước hòa bình"),
        ("S.Lavrovas ir Indijos ministras aptarė taikos sutartį",
         "S.Lavrovas ir Japonijos ministras aptarė taikos sutartį"),
        ("Kishida và Biden thảo luận về an ninh", "Kishida và Putin thảo luận về an ninh"),
    ],
)
def test_a_headline_is_judged_by_the_pair_rule_too(
    model: RelevanceModel, third_party: str, seed_pair: str
) -> None:
    # The frontier reads headlines before it fetches: one that names a seed's actor with a
    # third party (or two actors no seed pairs) is worth what a look-alike's text is.
    assert ac.snippet_actors(third_party) & {"rusij", "japonij", "jav"}
    paired, alone = model.score_snippet(seed_pair), model.score_snippet(third_party)
    assert alone < 0.5 * paired


def test_a_headline_naming_no_actor_is_not_discounted(model: RelevanceModel) -> None:
    # "Former islanders lose their visits to the graves": the matter, no state named.
    headline = "Cựu cư dân quần đảo Kuril mất cơ hội viếng mộ người thân"
    assert not ac.snippet_actors(headline) & {"rusij", "japonij", "jav", "nat"}
    assert model.score_snippet(headline) >= 0.15


def test_seed_actors_come_from_the_seeds() -> None:
    seeds = load_seeds(SEEDS_DIR)
    pairs = {
        s.id: ac.seed_actors(s.title, clean_seed_text(s.text), tn.space_of(s.language))
        for s in seeds
    }
    assert pairs == {
        "000": {"rusij", "japonij"},
        "001": {"rusij", "japonij"},  # not G20, which its title names once
        "002": {"rusij", "japonij"},
        "003": {"rusij", "nat"},
        "004": {"rusij", "jav"},
    }


@pytest.mark.parametrize(
    ("text", "space", "expected"),
    [
        ("Rusija, Rusijos, Rusijai ir Rusiją", "lt", {"rusij": 4}),
        ("Japonijos ir JAV diplomatai, rusų kariai", "lt", {"japonij": 1, "jav": 1, "rusij": 1}),
        ("S.Lavrovas Maskvoje, F.Kishida Tokijuje", "lt", {"rusij": 2, "japonij": 2}),
        ("Nga - Nhật và Hoa Kỳ", "vi", {"rusij": 1, "japonij": 1, "jav": 1}),
        ("vở Hồ thiên nga, phẫu thuật thẩm mỹ vào Chủ Nhật", "vi", {}),
        ("Điện Kremlin và Nhà Trắng", "vi", {"rusij": 1, "jav": 1}),
    ],
)
def test_actor_counts(text: str, space: str, expected: dict[str, int]) -> None:
    found = ac.actor_counts(text, space)
    assert {k: found[k] for k in ("rusij", "japonij", "jav", "nat") if found[k]} == expected


def test_actor_counts_match_nfd_input() -> None:
    text = "Thủ tướng Nhật Bản gặp Tổng thống Nga"
    nfd = unicodedata.normalize("NFD", text)
    assert ac.actor_counts(nfd, "vi") == ac.actor_counts(text, "vi")


def test_the_head_is_the_title_and_the_lead_sentence() -> None:
    text = "V. Putin ir S. Abe susitiko Maskvoje. Vėliau kalbėta apie NATO.\nKita pastraipa."
    assert ac.head(text, "Antraštė") == "Antraštė\nV. Putin ir S. Abe susitiko Maskvoje"
