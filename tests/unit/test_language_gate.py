"""The language gate (issue 15): detection on real text kept apart from tuning
(bench/data/real: HKCanCor, Common Voice, CTCPC, Debian's zh_TW/zh_HK/zh_CN catalogues)
and on the project's own bench/data/language.tsv must not fall under the targets."""
from bench.real_text import DATA, measure, rows, score_sentences


def test_real_text_language_and_script_stay_above_the_targets():
    now = measure()
    real = ("cantonese", "standard", "hkcancor")
    for what, target in (("language", 0.98), ("script", 0.99)):
        right = sum(now[k][what][0] for k in real)
        scored = sum(now[k][what][1] for k in real)
        assert right / scored >= target, (what, right, scored)


def test_the_projects_own_language_set_is_all_right():
    score = score_sentences(rows(DATA / "language.tsv"))
    assert score["language"][0] == score["language"][1]
    assert score["script"][0] == score["script"][1]
