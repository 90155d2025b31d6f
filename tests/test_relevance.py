"""crawler.focus.relevance and crawler.text.normalize: seeds, profiles, scores, snippets."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from crawler.config import RELEVANCE_THRESHOLD
from crawler.errors import ConfigError
from crawler.focus.background import Background
from crawler.focus.relevance import RelevanceModel
from crawler.focus.seed_profile import clean_seed_text
from crawler.seeds import Seed, load_seeds
from crawler.text import normalize as tn

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

# Hard cases written for these tests: unrelated stories full of the seeds' names (Japan, Abe,
# Tokyo, Russia, Moscow, the US) and related ones that share few words with any seed.
UNRELATED = {
    "typhoon_vi": (
        "Siêu bão Hagibis đổ bộ Nhật Bản, hàng chục người thiệt mạng",
        "Siêu bão Hagibis đã đổ bộ vào bờ biển phía đông Nhật Bản tối 12/10, gây mưa lớn và lũ "
        "lụt nghiêm trọng tại nhiều tỉnh, trong đó có Tokyo. Theo đài NHK, ít nhất 35 người đã "
        "thiệt mạng và hàng chục người khác mất tích.\nThủ tướng Shinzo Abe đã triệu tập cuộc "
        "họp khẩn của nội các và chỉ đạo Lực lượng Phòng vệ huy động 27.000 binh sĩ tham gia "
        "cứu hộ. “Chính phủ sẽ làm mọi thứ có thể để cứu người”, ông Abe nói.\nCơ quan Khí "
        "tượng Nhật Bản cho biết lượng mưa tại một số khu vực đã vượt kỷ lục trong vòng 50 năm. "
        "Hơn 40 con sông bị vỡ đê, hàng nghìn ngôi nhà bị ngập. Các trận đấu của giải bóng bầu "
        "dục thế giới tại Nhật Bản đã bị hủy, nhiều chuyến bay tại sân bay Haneda bị hoãn.",
    ),
    "ballet_vi": (
        "Nhà hát Bolshoi mang vở ballet Hồ thiên nga tới Hà Nội",
        "Đoàn ballet của Nhà hát Bolshoi (Nga) sẽ biểu diễn vở ballet kinh điển Hồ thiên nga "
        "của nhà soạn nhạc Tchaikovsky tại Nhà hát Lớn Hà Nội vào cuối tháng này. Đây là lần "
        "đầu tiên đoàn nghệ thuật nổi tiếng của Moscow lưu diễn tại Việt Nam.\nHơn 60 nghệ sĩ "
        "múa sẽ tham gia chương trình. Vai thiên nga trắng sẽ do nghệ sĩ Svetlana Zakharova đảm "
        "nhận. Vé cho ba đêm diễn đã được bán hết chỉ sau hai ngày. Các nghệ sĩ Nga còn tổ chức "
        "lớp học múa cổ điển cho học sinh Trường Múa Việt Nam.",
    ),
    "stocks_vi": (
        "Chứng khoán Mỹ lập đỉnh mới nhờ cổ phiếu công nghệ",
        "Phố Wall đóng cửa phiên giao dịch ngày thứ Năm với chỉ số Dow Jones tăng 1,2%, S&P 500 "
        "tăng 1,5% và Nasdaq tăng 2%, nhờ đà tăng mạnh của nhóm cổ phiếu công nghệ như Apple và "
        "Microsoft.\nNhà đầu tư lạc quan sau khi Cục Dự trữ Liên bang Mỹ (Fed) phát tín hiệu có "
        "thể giảm lãi suất trong cuộc họp tháng tới. Lợi suất trái phiếu chính phủ Mỹ kỳ hạn 10 "
        "năm giảm xuống 3,9%. Đồng USD suy yếu so với đồng yen Nhật và đồng euro.",
    ),
    "typhoon_lt": (
        "Japonijoje siautėjo taifūnas: žuvo mažiausiai 30 žmonių",
        "Galingas taifūnas Hagibis šeštadienį smogė Japonijai, sukeldamas potvynius ir "
        "nuošliaužas. Tokijuje buvo atšaukti šimtai skrydžių, sustabdyti traukiniai.\nPremjeras "
        "Shinzo Abe sušaukė skubų vyriausybės posėdį ir nurodė į gelbėjimo darbus pasiųsti 27 "
        "tūkst. kariškių. "
        "Japonijos meteorologijos agentūra teigia, kad kai kuriose vietovėse iškrito rekordinis "
        "kritulių kiekis per pastaruosius 50 metų.",
    ),
    "ballet_lt": (
        "Maskvos Didysis teatras Vilniuje parodys „Gulbių ežerą“",
        "Maskvos Didžiojo teatro baleto trupė gruodį Vilniuje parodys P.Čaikovskio baletą „Gulbių "
        "ežeras“. Pagrindinį Odetės vaidmenį šoks žymi Rusijos balerina Svetlana Zacharova.\n"
        "Bilietai į tris spektaklius buvo išparduoti per dvi dienas, teigia organizatoriai.",
    ),
}
RELATED = {
    "lavrov_pompeo_lt": (
        "S.Lavrovas ir M.Pompeo telefonu aptarė Rusijos ir JAV santykius",
        "Rusijos užsienio reikalų ministras Sergejus Lavrovas ir JAV valstybės sekretorius Mike'as "
        "Pompeo penktadienį telefonu aptarė dvišalių santykių normalizavimo perspektyvas po "
        "Vladimiro Putino ir Donaldo Trumpo susitikimo Helsinkyje, pranešė Rusijos užsienio "
        "reikalų ministerija.\nMinistrai taip pat kalbėjo apie padėtį Sirijoje ir Korėjos "
        "pusiasalio branduolinį nusiginklavimą. M.Pompeo patvirtino, kad D.Trumpas ketina tęsti "
        "derybas su V.Putinu.",
    ),
    "kuril_vi": (
        "Nhật Bản phản đối Nga tập trận trên quần đảo Kuril",
        "Bộ Ngoại giao Nhật Bản ngày 5/2 đã gửi công hàm phản đối tới Đại sứ quán Nga tại Tokyo "
        "sau khi quân đội Nga tiến hành tập trận trên các đảo Iturup và Kunashir thuộc quần đảo "
        "Nam Kuril, mà Nhật Bản gọi là Vùng lãnh thổ phương Bắc.\nChánh văn phòng Nội các Nhật "
        "Bản cho rằng cuộc tập trận đi ngược lại lập trường của Tokyo về tranh chấp lãnh thổ. "
        "Moscow khẳng định các hòn đảo là lãnh thổ hợp pháp của Nga sau Chiến tranh thế giới thứ "
        "hai. Tranh chấp khiến hai nước đến nay vẫn chưa ký hiệp ước hòa bình.",
    ),
    "kuril_lt": (
        "Japonija protestuoja dėl Rusijos karinių pratybų Kurilų salose",
        "Japonijos užsienio reikalų ministerija pareiškė protestą Rusijai dėl karinių pratybų "
        "Kurilų salose, kurias Tokijas vadina Šiaurinėmis teritorijomis. Maskva teigia, kad salos "
        "po Antrojo pasaulinio karo teisėtai priklauso Rusijai.\nDėl ginčo Japonija ir Rusija "
        "iki šiol nėra pasirašiusios taikos sutarties.",
    ),
    "nato_russia_council_lt": (
        "Briuselyje posėdžiavo NATO ir Rusijos taryba",
        "NATO ir Rusijos taryba trečiadienį Briuselyje susirinko į pirmąjį posėdį po beveik dvejų "
        "metų pertraukos, pranešė NATO generalinis sekretorius Jensas Stoltenbergas. "
        "Ambasadorių lygio susitikime aptarta padėtis Ukrainoje ir Minsko susitarimų "
        "įgyvendinimas.\n„Turime rimtų nesutarimų, tačiau dialogas yra būtinas“, – sakė "
        "J.Stoltenbergas. Rusijos atstovas prie NATO Aleksandras Gruško pabrėžė, kad Maskva nori "
        "išvengti karinių incidentų.",
    ),
    "nato_russia_council_vi": (
        "Hội đồng NATO - Nga nhóm họp tại Brussels",
        "Hội đồng NATO - Nga ngày 20/4 đã nhóm họp ở cấp đại sứ tại trụ sở NATO ở Brussels, lần "
        "đầu tiên sau gần hai năm gián đoạn. Tổng thư ký NATO Jens Stoltenberg cho biết các bên "
        "đã thảo luận về tình hình Ukraine và việc thực hiện thỏa thuận Minsk.\n“Chúng tôi vẫn "
        "còn những bất đồng sâu sắc”, ông Stoltenberg nói. Đại sứ Nga tại NATO Alexander Grushko "
        "cho rằng Moscow muốn giảm nguy cơ xảy ra sự cố quân sự.",
    ),
}


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    return RelevanceModel.from_seeds(load_seeds(SEEDS_DIR))


def test_load_seeds_reads_the_manifest() -> None:
    seeds = load_seeds(SEEDS_DIR)
    assert [s.id for s in seeds] == ["000", "001", "002", "003", "004"]
    lt = seeds[2]
    assert lt.language == "lt" and "Rusija" in lt.terms and "Lavrovu" in lt.text


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('id = "x"\nlanguage = "vi"', "missing required field 'file'"),
        ('id = "x"\nfile = "a.txt"\nlanguage = "vi"\nterms = "Nga"', "field 'terms'"),
        ('id = "x"\nfile = "a.txt"\nlanguage = "vietnamese"', "field 'language'"),
        ('id = "x"\nfile = "missing.txt"\nlanguage = "vi"', "field 'file'"),
        ('id = "x"\nfile = "a.txt"\nlanguage = "vi"\ntopic = "?"', "unknown field(s) topic"),
    ],
)
def test_load_seeds_names_file_and_field(tmp_path: Path, entry: str, message: str) -> None:
    (tmp_path / "a.txt").write_text("Nga và Nhật Bản.", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(f"[[seed]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_seeds(tmp_path)
    assert "manifest.toml" in str(info.value) and message in str(info.value)


def test_clean_seed_text_drops_teasers_and_trailers() -> None:
    seeds = {s.id: s for s in load_seeds(SEEDS_DIR)}
    lt = clean_seed_text(seeds["002"].text)
    assert "Lidl" not in lt and "Pranešti klaidą" not in lt and "Tokijuje" in lt
    vi = clean_seed_text(seeds["004"].text)
    assert "ngũ cốc" not in vi and "APEC" not in vi and "Pompeo" in vi
    nato = clean_seed_text(seeds["003"].text)
    assert "Trung Đông" not in nato and "Thông tin doanh nghiệp" not in nato


@pytest.mark.parametrize("key", sorted(UNRELATED))
def test_hard_unrelated_cases_stay_below_threshold(model: RelevanceModel, key: str) -> None:
    title, text = UNRELATED[key]
    assert model.score(text, title, None).score < RELEVANCE_THRESHOLD


@pytest.mark.parametrize("key", sorted(RELATED))
def test_hard_related_cases_reach_threshold(model: RelevanceModel, key: str) -> None:
    title, text = RELATED[key]
    assert model.score(text, title, None).score >= RELEVANCE_THRESHOLD


def test_seed_is_closest_to_itself(model: RelevanceModel) -> None:
    for seed in load_seeds(SEEDS_DIR):
        result = model.score(seed.text, seed.title, seed.language)
        assert result.seed_id == seed.id and result.score > 0.6


def test_cross_lingual_match_goes_through_names(model: RelevanceModel) -> None:
    title, text = RELATED["lavrov_pompeo_lt"]
    result = model.score(text, title, "lt")
    assert result.seed_id == "004"  # the Vietnamese Lavrov-Pompeo call, not the Japan seed
    assert {"Lavrov", "Pompeo", "Nga"} <= set(result.matched_terms)  # as seed 004 spells them


def test_nfd_and_nfc_input_score_identically(model: RelevanceModel) -> None:
    title, text = RELATED["kuril_vi"]
    nfd = model.score(unicodedata.normalize("NFD", text), unicodedata.normalize("NFD", title), "vi")
    assert unicodedata.normalize("NFD", text) != text
    assert nfd == model.score(text, title, "vi")


def test_lithuanian_inflections_match_one_term() -> None:
    forms = {"Rusija", "Rusijos", "Rusiją", "Rusijai", "Rusijoje"}
    assert {tn.lt_stem(tn.fold(tn.normalize(f))) for f in forms} == {"rusij"}
    assert {tn.name_key(f) for f in ("lavrovas", "lavrovo", "lavrovu", "lavrov")} == {"lavrov"}
    assert tn.name_key("Kurilai") == tn.name_key("Kuril") == tn.name_key("kurilų")
    assert tn.name_key("Japonijos") == tn.name_key("Japonija")


def test_name_keys_meet_across_romanisations() -> None:
    # English romanisation (the Vietnamese press) against Lithuanian spelling of one name.
    for english, lithuanian in (
        ("Shikotan", "Šikotano"),
        ("Kunashir", "Kunaširą"),
        ("Zakharova", "Zacharovos"),
        ("Mikhail", "Michailas"),
        ("Washington", "Vašingtone"),
        ("Shoigu", "Šoigu"),
        ("Zhirinovsky", "Žirinovskis"),
    ):
        assert tn.name_key(english) == tn.name_key(lithuanian), (english, lithuanian)
    # Different names stay apart: only the spellings of one sound are merged.
    assert len({tn.name_key(n) for n in ("Shikotan", "Sikorski", "Kishida", "Kiszczak")}) == 4


# Lithuanian stories of the Russia-Japan dispute whose islands only the Vietnamese seeds name
# (seed 001's terms: Shikotan, Kunashir, Iturup), spelled the Lithuanian way.
ISLANDS_LT = {
    "fishing": (
        "Japonų žvejai prašo leisti vėl žvejoti prie Šikotano",
        "Hokaido žvejų bendrijos atstovai penktadienį kreipėsi į Japonijos vyriausybę, prašydami "
        "atnaujinti derybas su Rusija dėl jūros kopūstų rinkimo prie Šikotano ir Kunaširo salų, "
        "kurį Maskva sustabdė praėjusią vasarą.\nPagal 1998 metų susitarimą japonų laivai už "
        "mokestį galėjo žvejoti Rusijos kontroliuojamuose vandenyse, tačiau Rusijos pasieniečiai "
        "pernai sulaikė du laivus, o Maskva pareiškė, kad Tokijas nesumokėjo sutartos sumos.\n"
        "Žvejai skundžiasi, kad be šių plotų jų pajamos sumažėjo perpus. Japonijos žemės ūkio "
        "ministerija žada klausimą iškelti artimiausiame dvišaliame susitikime.",
    ),
    "visits": (
        "Iturupo ir Kunaširo salų buvę gyventojai prašo atnaujinti lankymus",
        "Rusijos sprendimas sustabdyti bevizius Japonijos piliečių lankymus Iturupo, Kunaširo ir "
        "Šikotano salose sukėlė nerimą tarp senyvų buvusių salų gyventojų, kurie ten gimė iki "
        "1945 metų.\nJų asociacija Hokaido Nemuro mieste surinko daugiau nei dešimt tūkstančių "
        "parašų. Tokijas ragina Maskvą humanitariniais sumetimais leisti atnaujinti keliones.",
    ),
}


@pytest.mark.parametrize("key", sorted(ISLANDS_LT))
def test_names_spelled_the_lithuanian_way_reach_the_vietnamese_seeds(
    model: RelevanceModel, key: str
) -> None:
    title, text = ISLANDS_LT[key]
    result = model.score(text, title, "lt")
    assert result.score >= RELEVANCE_THRESHOLD, result
    # The islands count, as seed 001's terms spell them (0.23 for both before the respelling).
    assert {"Shikotan", "Kunashir"} <= set(result.matched_terms)


def test_lithuanian_words_of_one_root_meet() -> None:
    # The ending stripper leaves derivation alone; the five-letter prefix joins a root's words.
    for words in ("diplomatija diplomatinės diplomatinis", "susitarė susitarimą susitarimas",
                  "ambasada ambasadorių ambasadorius", "Japonija japonų japoniškas"):
        assert len(set(tn.units(words, "lt"))) == 1, words
    assert len(set(tn.units("derybos saugumas sankcijos ministras", "lt"))) == 4
    # Names keep their whole stem.
    assert tn.name_key("Kishida") != tn.name_key("Kishimoto")


def test_derived_words_count_as_the_seeds_words(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = Seed(
        id="x",
        language="lt",
        title="Japonijos ir Rusijos diplomatai atnaujino derybas",
        text="Japonijos ir Rusijos diplomatai pirmadienį Tokijuje susitarė atnaujinti derybas "
        "dėl taikos sutarties ir ambasadų darbo. Diplomatijos vadovai aptarė žvejybos kvotas.",
    )
    # Another story on the matter, in words derived from the seed's roots.
    title = "Rusijos ambasadorius: diplomatinis susitarimas su Japonija įmanomas"
    text = ("Rusijos ambasadorius Tokijuje teigė, kad diplomatinis susitarimas dėl taikos "
            "sutarties įmanomas, jei Japonija atsisakys sankcijų. Žvejybinių laivų klausimas "
            "liko neišspręstas.")
    uniform = Background()  # every word equally rare: only the matching is compared
    with_roots = RelevanceModel.from_seeds([seed], uniform).score(text, title, "lt")
    monkeypatch.setattr(tn, "LT_PREFIX", 1000)
    whole_stems = RelevanceModel.from_seeds([seed], uniform).score(text, title, "lt")
    assert with_roots.score > whole_stems.score + 0.05, (with_roots, whole_stems)


def test_inflected_forms_score_as_terms() -> None:
    seed = Seed(id="x", language="lt", text="", title="", terms=("Rusija", "Japonija"))
    model = RelevanceModel.from_seeds([seed])
    result = model.score("Rusijos ir Japonijos ministrai. Rusijai ir Japonijai.", None, "lt")
    assert set(result.matched_terms) == {"Rusija", "Japonija"}


def test_language_is_guessed_when_not_given(model: RelevanceModel) -> None:
    title, text = RELATED["kuril_lt"]
    assert tn.guess_language(text) == "lt"
    assert model.score(text, title, None) == model.score(text, title, "lt")


def test_fold_maps_d_with_stroke() -> None:
    assert tn.fold("Đàm phán Nga – Nhật ở Đà Nẵng") == "Dam phan Nga – Nhat o Da Nang"


def test_snippet_matches_diacritic_free_slugs(model: RelevanceModel) -> None:
    related = model.score_snippet("nga va nato bat ngo nhom hop sau 2 nam lanh nhat")
    accented = model.score_snippet("Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt")
    assert related >= RELEVANCE_THRESHOLD and abs(related - accented) < 0.1
    assert model.score_snippet("dam phan hiep uoc hoa binh nga nhat ban") >= RELEVANCE_THRESHOLD
    assert model.score_snippet("santykiu atsilimas japonija ir rusija") >= RELEVANCE_THRESHOLD
    for unrelated in ("gia xang tang gan 500 dong lit", "leicester city vo dich ngoai hang anh",
                      "vilniuje paskelbta gripo epidemija"):
        assert model.score_snippet(unrelated) < 0.15, unrelated


def test_snippet_folded_ambiguity_is_discounted(model: RelevanceModel) -> None:
    # "nhat" is nhật (Japan) but far more often nhất (most); "nhat ban" is only Japan.
    assert model.score_snippet("cao nhat the gioi") < model.score_snippet("nhat ban") / 4


def test_empty_text_scores_zero(model: RelevanceModel) -> None:
    assert model.score("", None, None).score == 0.0
    assert model.score_snippet("") == 0.0
