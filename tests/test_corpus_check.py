"""helpers.corpus_check and what ``python -m helpers.data check`` makes of it (issue #21):
convention rows, register figures, floors, retold stories, exit status, the datasheet's tables.

Every corpus here is synthetic and written as CSV in tmp_path; the only test that reads data/
checks that the datasheet's tables parse and name things the check knows.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from helpers import corpus_check as cc
from helpers import data
from helpers.data import Sentence
from helpers.paths import DATA_DIR

NO_FLOORS: dict[str, int] = {}


def parse(text: str) -> tuple[list[str], list[str]]:
    """'[geo Ghana] voted .' → words and IOB2 tags (the bracket format of the v3 draft)."""
    words, tags, kind, first = [], [], None, False
    for tok in text.split():
        if tok.startswith("[") and len(tok) > 1:
            kind, first = tok[1:], True
            continue
        close = tok.endswith("]") and len(tok) > 1 and kind is not None
        word = tok[:-1] if close else tok
        words.append(word)
        tags.append("O" if kind is None else ("B-" if first else "I-") + kind)
        first = False
        if close:
            kind = None
    return words, tags


def write_corpus(
    folder: Path, train: list[tuple[str, str]], test: list[tuple[str, str]], readme: str = ""
) -> Path:
    """Write ``news_ner_train.csv`` / ``news_ner_test.csv`` from (doc id, bracketed sentence)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("news_ner_train.csv", train), ("news_ner_test.csv", test)):
        lines = ["Document,Sentence,Tag"]
        for doc, text in rows:
            words, tags = parse(text)
            lines.append(f'{doc},"{" ".join(words)}","{tags}"')
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(readme, encoding="utf-8")
    return folder


FILLER = ("z1", "[geo Ghana] held a vote on [tim Saturday] .")


def row_of(check: data.CorpusCheck, name: str) -> cc.ConventionResult:
    return next(r for r in check.conventions if r.convention.name == name)


# (row, sentences that follow GMB's majority, sentences that differ, the differing practice)
ROWS = [
    ("holidays", ["Shops shut for [tim Christmas] and [tim Eid al-Fitr] ."],
     ["Shops shut for [eve Christmas] and [eve Eid al-Fitr] ."], "eve"),
    ("language nouns", ["Classes are taught in [art Spanish] , [art Korean] and [art Arabic] ."],
     ["She began to learn [gpe Polish] and felt at home ."], "gpe"),
    ("winter / spring", ["A harsh winter gave way to spring ."],
     ["A harsh [tim winter] gave way to [tim spring] ."], "tim"),
    ("weekend", ["Talks resumed over the [tim weekend] ."], ["Talks resumed over the weekend ."],
     "O"),
    ("portfolio word", ["Foreign [per Minister Ana Lima] said so ."],
     ["[per Foreign Minister Ana Lima] said so ."], "inside"),
    ("Soviet", ["Soviet troops left in [tim 1989] ."], ["[gpe Soviet] troops left in [tim 1989] ."],
     "gpe"),
    ("World War II", ["The plant was bombed in World War [eve II] ."],
     ["The plant was bombed in [eve World War II] ."], "full span"),
    ("laws, treaties, prizes", ["She won the [org Nobel Peace Prize] ."],
     ["She won the [art Nobel Peace Prize] ."], "art"),
    ("named viruses", ["H5N1 and Ebola spread ."], ["[nat H5N1] and [nat Ebola] spread ."], "nat"),
    ("named storms", ["Hurricane Katrina hit [geo New Orleans] .", "Katrina killed many ."],
     ["[nat Hurricane Katrina] hit [geo New Orleans] .", "[nat Katrina] killed many ."], "nat"),
    ("American South", ["Plants opened in the [geo American South] ."],
     ["Plants opened in the [gpe American] South ."], "gpe + O"),
    ("American West", ["Cases rose in the [geo American West] ."],
     ["Cases rose in the [gpe American] West ."], "gpe + O"),
    ("former East", ["Voters in the former East stayed home ."],
     ["Voters in the former [geo East] stayed home ."], "geo"),
    ("Zaire strain vs Sudan virus", ["Unlike the Zaire strain , Sudan virus has no vaccine ."],
     ["Unlike the Zaire strain , [nat Sudan virus] has no vaccine ."], "O"),
]  # fmt: skip


def test_every_convention_row_has_a_test():
    assert [r[0] for r in ROWS] == [c.name for c in cc.CONVENTIONS]


@pytest.mark.parametrize(("name", "gmb", "other", "practice"), ROWS, ids=[r[0] for r in ROWS])
def test_convention_row_tells_the_two_practices_apart(tmp_path, name, gmb, other, practice):
    convention = next(c for c in cc.CONVENTIONS if c.name == name)
    for sentences, status in ((gmb, "GMB majority"), (other, "differs")):
        folder = write_corpus(tmp_path / status, [("a1", s) for s in sentences], [FILLER])
        r = row_of(data.check_corpus(folder, floors=NO_FLOORS), name)
        assert r.status == status, (sentences, r.hits)
        if status == "GMB majority":
            assert set(r.counts) == {convention.gmb}
        else:
            assert r.counts[practice] >= 1 and r.conflict


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("winter / spring", "He won gold at the [eve Winter Olympics] ."),
        ("language nouns", "[gpe Spanish] police and [gpe French] officials met ."),
        ("portfolio word", "[per Prime Minister Ana Lima] spoke ."),
        ("Soviet", "The [geo Soviet Union] collapsed ."),
        ("named viruses", "Chief executive [per Hendra Wibisono] spoke ."),
        ("former East", "Troops moved to the former East Germany ."),
        ("holidays", "Five years after the [eve Yom Kippur War] ."),
        ("laws, treaties, prizes", "Talks at [geo Hong Kong Convention and Exhibition Centre] ."),
    ],
)
def test_convention_rows_skip_what_is_not_the_case(tmp_path, name, text):
    folder = write_corpus(tmp_path / "c", [("a1", text)], [FILLER])
    assert row_of(data.check_corpus(folder, floors=NO_FLOORS), name).status == "not in corpus"


@pytest.mark.parametrize(
    ("text", "practice"),
    [
        ("Leaders signed the [geo Paris] Agreement .", "geo + O"),
        ("It ratified the [gpe Kyoto] Protocol .", "gpe + O"),
        ("It joined under the Treaty of [geo Rome] .", "O + geo"),
        ("It joined under the Treaty of Rome .", "O"),
    ],
)
def test_a_law_with_only_its_name_tagged_is_a_mixed_practice(text, practice):
    """The typical mistag, the place in a law's name tagged and the head left out, used to be
    skipped: only an untagged name before the head, or a span holding the head, was counted."""
    views = cc._views([("train", Sentence(*parse(text), "d", 2))])
    assert [h[0] for h in cc.find_laws_and_prizes(views)] == [practice]


@pytest.mark.parametrize("floor", [float("nan"), True, -1, 40.0])
def test_a_floor_that_is_not_a_count_is_refused(floor):
    """A NaN floor compared false with every count, so that split's floor was silently off."""
    with pytest.raises(ValueError, match=r"^floor train=.*: expected a number of mentions >= 0$"):
        cc.floor_problems({"train": Counter(), "test": Counter()}, {"train": floor, "test": 1})


def test_language_noun_runs_need_a_noun_use():
    views = cc._views([("train", Sentence(*parse(t), "d", 2)) for t in (
        "Labels are in [gpe Spanish] , [gpe English] and [gpe Yucatec Maya] , a language .",
        "[gpe French] and [gpe German] companies merged .",
        "[gpe Turkish] and [gpe Australian] visitors came .",
        "Most dialogue is in [gpe Wolof] , with passages in [gpe French] spoken by traders .",
        "It ended the [gpe Serbian] 's run .",
        "Carmakers face rivals from [gpe Chinese] makers and prices in [gpe Chinese] cities .",
        "[gpe Kurdish] and Shiite parties agreed that [gpe Chinese] on both sides disagree .",
        "Books in [gpe Kurdish] and other languages , in [gpe Kazakh] as well as [gpe Russian] .",
    )])  # fmt: skip
    assert Counter(t for _, t, _ in cc.find_language_nouns(views)) == Counter(
        {"Spanish": 1, "English": 1, "Yucatec Maya": 1, "Wolof": 1, "French": 1, "Kurdish": 1,
         "Kazakh": 1, "Russian": 1}
    )  # fmt: skip


DIFFERS = "## Deliberate differences from GMB\n\n| row | why |\n|---|---|\n| {} | v2 |\n"


def test_a_differing_row_fails_unless_listed(tmp_path):
    train = [("a1", "Shops shut for [eve Christmas] .")]
    folder = write_corpus(tmp_path / "c", train, [FILLER])
    check = data.check_corpus(folder, floors=NO_FLOORS)
    assert [r.convention.name for r in check.convention_conflicts()] == ["holidays"]
    assert not check.ok and "holidays" in check.failures()[0]
    assert "status: differs [NOT LISTED]" in check.report()
    # listed under the heading: reported, not a failure
    (folder / "README.md").write_text(DIFFERS.format("`holidays`"))
    check = data.check_corpus(folder, floors=NO_FLOORS)
    assert row_of(check, "holidays").listed and check.ok, check.failures()
    assert "status: differs [listed]" in check.report()
    # under another heading it does not count
    (folder / "README.md").write_text(DIFFERS.format("holidays").replace("Deliberate", "Other"))
    assert not data.check_corpus(folder, floors=NO_FLOORS).ok
    # a listed row that no longer differs is reported
    (folder / "README.md").write_text(DIFFERS.format("holidays") + "| weekend | x |\n")
    assert "'weekend': listed as a difference but now not in corpus" in (
        data.check_corpus(folder, floors=NO_FLOORS).report()
    )


def test_datasheet_tables_parse():
    sheet = (
        "# x\n\n## Deliberate differences from GMB\n\n| convention | GMB | why |\n|---|---|---|\n"
        "| **Holidays** | tim | v2 |\n| `World War II` | numeral | v2 |\n\n"
        "## Accepted story pairs\n\n| documents | story |\n|:--|:--|\n"
        "| train spo-11 / test spo-44 | a final |\n| `sci-09`, `spo-22`, `env-19` | Hajj |\n\n"
        "## Next\n\n| pol-01 / pol-02 | not in the section |\n"
    )
    assert cc.listed_rows(sheet) == ["holidays", "world war ii"]
    assert cc.accepted_pairs(sheet) == {
        frozenset(p)
        for p in [("spo-11", "spo-44"), ("sci-09", "spo-22"), ("sci-09", "env-19"),
                  ("spo-22", "env-19")]
    }  # fmt: skip
    assert cc.listed_rows("no tables") == [] and cc.accepted_pairs("") == set()


def datasheet_problems(sheet: str, found: data.CorpusCheck, docs: set[str]) -> list[str]:
    """What is wrong with a datasheet's two lists: a listed difference that names no row, or a
    row at GMB's majority; an accepted pair that names a document the corpus lacks."""
    problems = []
    for heading in (cc.DIFFERENCES_HEADING, cc.PAIRS_HEADING):
        if heading not in sheet or "|---|" not in sheet.split(heading, 1)[1].split("\n## ", 1)[0]:
            problems.append(f"no table under {heading}")
    rows = {cc._key(c.name) for c in cc.CONVENTIONS}
    differs = {cc._key(r.convention.name) for r in found.conventions if r.status == "differs"}
    for row in cc.listed_rows(sheet):
        if row not in rows or row not in differs:
            problems.append(
                f"listed row {row!r}: "
                + ("no such row" if row not in rows else "at GMB's majority")
            )
    problems += [f"pair {sorted(p)}: not two corpus documents" for p in cc.accepted_pairs(sheet)
                 if len(p) != 2 or not p <= docs]  # fmt: skip
    return problems


def test_the_datasheet_lists_only_rows_and_documents_the_check_knows():
    """data/README.md: every listed difference names a convention row that differs in the corpus,
    and every accepted pair two documents of the corpus (parsed, not read by eye). Corpus v3
    lists no difference and no pair; the tables must still be there, with their header rows.
    The same check on a made-up sheet shows it can fail."""
    sheet = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    found = data.check_corpus(DATA_DIR)
    docs = {s.doc_id for split in ("train", "test") for s in data.load_embedded(split)}
    assert datasheet_problems(sheet, found, docs) == []
    bogus = (
        f"{cc.DIFFERENCES_HEADING}\n\n| row | why |\n|---|---|\n"
        "| nonsense | x |\n| holidays | x |\n\n"
        f"{cc.PAIRS_HEADING}\n\n| pair | why |\n|---|---|\n| train x-01 / test y-02 | x |\n"
    )
    assert datasheet_problems(bogus, found, docs) == [
        "listed row 'nonsense': no such row",
        "listed row 'holidays': at GMB's majority",
        "pair ['x-01', 'y-02']: not two corpus documents",
    ]
    assert datasheet_problems("", found, docs)[:1] == [f"no table under {cc.DIFFERENCES_HEADING}"]


# ---------------------------------------------------------------- register


def sents(*texts: str) -> list[Sentence]:
    return [Sentence(*parse(t), "d", i + 2) for i, t in enumerate(texts)]


def test_skeleton_counts_sentences_sharing_their_first_five_items():
    a = sents(
        "[per Ana Lima] said on [tim Monday] that talks would resume .",
        "[per Bo] said on [tim Friday , May 3] that prices fell .",  # same skeleton
        "The minister said on Monday that it rained .",  # no entities: other items
        "the minister said on monday that it was dry .",  # the same, lower-cased
        "Rain fell .",
    )
    assert cc.opening(a[0].words, a[0].tags) == ("<E>", "said", "on", "<E>", "that")
    assert cc.opening(a[4].words, a[4].tags) == ("rain", "fell", ".")
    assert cc.repeated_openings(a) == 4
    row = next(r for r in cc.register_rows(a) if "skeleton" in r.figure)
    assert row.value == pytest.approx(80.0) and row.within is False
    assert cc.repeated_openings(a[::2]) == 0


def test_register_rows_measure_and_judge():
    s = sents(
        "Officials say [geo Iran] will talk , [org Reuters] says .",
        "[per President Ana Lima] said [tim Tuesday] that , according to aides , it was ok ;",
        "[per Lima] met [per Dr. Bo Li] on [tim Monday] .",
    )
    rows = {r.figure: r for r in cc.register_rows(s)}
    assert rows["sentences with 'says'"].value == pytest.approx(100 / 3)
    assert rows["sentences with 'say'"].value == pytest.approx(100 / 3)
    assert rows["sentences with 'according to'"].value == pytest.approx(100 / 3)
    assert rows["weekdays (tim) preceded by 'on'"].value == pytest.approx(50.0)
    assert rows["person spans starting President"].value == pytest.approx(100 / 3)
    assert rows["person spans of one word (bare surname)"].value == pytest.approx(100 / 3)
    assert rows["mentions per sentence"].value == pytest.approx(7 / 3)
    assert rows["mentions per sentence"].within is True  # 2.33 is GMB's own figure
    assert rows["'Dr.' per 10k tokens"].within is False
    assert rows["org share of mentions"].value == pytest.approx(100 / 7)
    assert rows["person spans starting Mrs."].within is None  # shown, not judged


def test_register_fails_only_with_strict(tmp_path):
    folder = write_corpus(tmp_path / "c", [("a1", "[per Dr. Bo] stated ; it rained .")], [FILLER])
    assert data.check_corpus(folder, floors=NO_FLOORS).ok
    strict = data.check_corpus(folder, floors=NO_FLOORS, strict=True)
    assert not strict.ok and "register figures outside 1.5x" in strict.failures()[-1]
    assert data.main(["check", str(folder), "--min-train", "0", "--min-test", "0"]) == 0
    assert data.main(["check", str(folder), "--min-train", "0", "--min-test", "0", "--strict"]) == 1


# ---------------------------------------------------------------- floors


def test_floors():
    full = Counter({t: 80 for t in cc.TYPES})
    assert cc.floor_problems({"train": full, "test": Counter({t: 40 for t in cc.TYPES})}) == []
    short = Counter({**{t: 40 for t in cc.TYPES}, "nat": 39})
    assert cc.floor_problems({"train": full - Counter(art=1), "test": short}) == [
        "art: 79 mentions in train, expected at least 80",
        "nat: 39 mentions in test, expected at least 40",
    ]
    assert cc.floor_problems({"train": full}) == [
        "no test split: expected every type >= 40 mentions in test"
    ]
    assert cc.floor_problems({"train": Counter()}, {"train": 0}) == []


def test_floors_fail_the_check(tmp_path):
    every = " ".join(f"[{t} X{t}]" for t in cc.TYPES) + " ."
    folder = write_corpus(tmp_path / "c", [("a1", every)], [("b1", every.replace("X", "Y"))])
    assert data.check_corpus(folder, floors={"train": 1, "test": 1}).floor_problems == []
    check = data.check_corpus(folder, floors={"train": 2, "test": 1})
    assert len(check.floor_problems) == 8 and not check.ok
    assert "floors (every type >= 2 in train, >= 1 in test): FAILED" in check.report()


# ---------------------------------------------------------------- retold stories

STORY_A = [  # the storm is untagged, as GMB's majority and corpus v3 leave it
    "Residents of [geo Tacloban] marked the anniversary of Typhoon Haiyan with prayers .",
    "The storm killed thousands of people in the central [geo Philippines] .",
    "Mayor [per Alfred Romualdez] said planning for disasters must continue .",
]
STORY_B = [  # the same story told again, in other words
    "Families in [geo Tacloban] lit candles to remember victims of Typhoon Haiyan .",
    "[per Romualdez] said the storm surge swept through the coast .",
    "Survivor [per Maricel Dacanay] said early warning systems had improved since the disaster .",
]
OTHER = [  # shares one rare name (Tacloban), another story
    "A new bridge opened in [geo Tacloban] on [tim Monday] after two years of work .",
    "Traffic engineers expect shorter commutes for workers crossing the strait .",
]
UNRELATED = [
    "[org Flamengo] beat [org Palmeiras] 2-0 in [geo Rio de Janeiro] on [tim Sunday] .",
    "Shares in [org Harwell Capital] rose after the bank raised its profit forecast .",
]


def test_retold_story_found_by_shared_names(tmp_path):
    train = [("a1", s) for s in STORY_A] + [("a2", s) for s in UNRELATED]
    test = [("b1", s) for s in STORY_B] + [("b2", s) for s in OTHER]
    folder = write_corpus(tmp_path / "c", train, test)
    check = data.check_corpus(folder, floors=NO_FLOORS)
    assert [(p.a, p.b, p.shared) for p in check.retold] == [
        (("train", "a1"), ("test", "b1"), ["Alfred Romualdez", "Tacloban", "Typhoon Haiyan"])
    ]
    pair = check.retold[0]
    assert 0.15 <= pair.cosine < 0.5 and not pair.accepted  # tf-idf alone would not tell
    assert not check.ok and "1 retold story pairs not accepted" in check.failures()
    assert "a1 ~ test b1: Alfred Romualdez, Tacloban, Typhoon Haiyan [NOT ACCEPTED]" in (
        check.report()
    )
    (folder / "README.md").write_text(
        "## Accepted story pairs\n\n| documents | story |\n|---|---|\n| b1 / a1 | Haiyan |\n"
    )
    check = data.check_corpus(folder, floors=NO_FLOORS)
    assert check.retold[0].accepted and check.ok


def test_retold_stories_inside_a_split_and_by_surname():
    splits = {
        "test": sents(*STORY_A) + [Sentence(*parse(s), "b1", 9) for s in STORY_B],
        "train": [Sentence(*parse(s), "a2", 9) for s in UNRELATED],
    }
    for s in splits["test"][:3]:
        s.doc_id = "a1"
    (pair,) = cc.retold_stories(splits)
    assert (pair.a, pair.b) == (("test", "a1"), ("test", "b1"))
    # the same person by surname; the storm by its words, untagged
    assert pair.shared == ["Alfred Romualdez", "Tacloban", "Typhoon Haiyan"]
    # another mayor and no named storm: one rare name shared, too little text for that tier
    splits["test"][4].words[0] = "Santos"
    splits["test"][3].words[9:11] = ["the", "typhoon"]
    assert cc.retold_stories(splits) == []
    # a very similar text needs no shared name
    assert cc.retold_stories(splits, tiers=((0.0, 1),)) != []
    assert cc.retold_stories(splits, tiers=((0.99, 0),)) == []


# ---------------------------------------------------------------- exit status


def test_exit_status(tmp_path, capsys):
    floors0 = ["--min-train", "0", "--min-test", "0"]
    ok = write_corpus(tmp_path / "ok", [FILLER], [("b1", "Rain fell on [geo Accra] .")])
    assert data.main(["check", str(ok), *floors0]) == 0
    assert capsys.readouterr().out.rstrip().endswith("result: ok")
    bad = write_corpus(tmp_path / "bad", [("a1", "Shops shut for [eve Easter] .")], [FILLER])
    assert data.main(["check", str(bad), *floors0]) == 1
    assert "failed: conventions differing from GMB" in capsys.readouterr().out
    assert data.main(["check", str(ok)]) == 1  # default floors
    capsys.readouterr()
    # bad input: 2, one line on stderr naming the file (and line)
    assert data.main(["check", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err and "is not a directory" in err
    bad_tags = "Document,Sentence,Tag\nb1,\"Rain fell .\",\"['O', 'O'\"\n"  # no closing bracket
    (ok / "news_ner_test.csv").write_text(bad_tags)
    assert data.main(["check", str(ok), *floors0]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "news_ner_test.csv, line 2" in err
    assert data.main(["check", str(bad), "--readme", str(tmp_path / "nope.md")]) == 2
    assert "nope.md" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert data.main(["check", str(empty)]) == 2
    assert "holds no corpus file" in capsys.readouterr().err
    # no datasheet: its lists (deliberate conflicts, accepted pairs) used to be read as empty
    (ok / "news_ner_test.csv").write_text("Document,Sentence,Tag\nb1,\"Rain .\",\"['O', 'O']\"\n")
    (ok / "README.md").unlink()
    assert data.main(["check", str(ok), *floors0]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{ok / 'README.md'}: no datasheet; expected" in err
    (tmp_path / "empty.md").write_text("")
    assert data.main(["check", str(ok), *floors0, "--readme", str(tmp_path / "empty.md")]) == 0


def test_the_datasheet_shows_the_checks_current_output():
    """data/README.md's 'Checking the corpus' block is what the check prints now (rerun the
    command and paste its output when the corpus, the datasheet or the check changes)."""
    sheet = Path("data/README.md").read_text(encoding="utf-8")
    command = "$ python -m helpers.data check data/\n"
    assert command in sheet
    shown = sheet.split(command, 1)[1].split("\n```", 1)[0]
    check = data.check_corpus("data")
    assert check.ok, check.failures()
    assert shown == check.report()


@pytest.mark.parametrize(
    "option, expected",
    [
        (["--threshold", "nan"], "--threshold nan: expected a cosine similarity in [0, 1]"),
        (["--threshold", "-3"], "--threshold -3.0: expected a cosine similarity in [0, 1]"),
        (["--min-train", "-5"], "--min-train -5: expected a number of mentions >= 0"),
        (["--min-test", "-1"], "--min-test -1: expected a number of mentions >= 0"),
    ],
)
def test_check_options_out_of_range_are_usage_errors(capsys, option, expected):
    """``--threshold nan`` used to turn the near-duplicate check off (no pair found) and
    ``--threshold -3`` to report every pair; both now stop before the corpus is read."""
    with pytest.raises(SystemExit) as e:
        data.main(["check", "data", *option])
    assert e.value.code == 2 and expected in capsys.readouterr().err


def test_spans_read_tags_as_labels_entity_spans_does():
    """A stray I-x at a sentence's start or after O opens a span (it used to be dropped, so a
    partly IOB1 file's entities were missing from the figures)."""
    import itertools

    from helpers.labels import entity_spans

    assert cc.spans(["O", "I-geo", "I-geo", "O"]) == [("geo", 1, 3)]
    tags = ["O", "B-a", "I-a", "B-b", "I-b"]
    for n in range(1, 5):
        for seq in itertools.product(tags, repeat=n):
            assert cc.spans(seq) == entity_spans(seq), seq


def test_the_checks_entity_types_are_the_labels_gmb_types():
    """corpus_check imports no helpers module, so it writes the 8 types again; they must stay
    the labels' (a type added to one would be skipped by the other's figures and floors)."""
    from helpers.labels import GMB_TYPES

    assert cc.TYPES == GMB_TYPES
