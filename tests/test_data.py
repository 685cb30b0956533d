"""Tests for helpers/data.py: readers, validation errors, splits, embedded corpus, CLI.

Fixtures in tests/fixtures/ are tiny and hand-made; files for error cases are written to tmp_path.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from helpers import data
from helpers.data import CorpusError, Sentence, load_corpus

FIX = Path(__file__).parent / "fixtures"
ENTITY_TYPES = ("geo", "gpe", "per", "org", "tim", "art", "eve", "nat")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return p


def rows(corpus) -> list[tuple[list[str], list[str], str | None, int | None]]:
    return [(s.words, s.tags, s.doc_id, s.line) for s in corpus]


def assert_error(exc: pytest.ExceptionInfo, path: Path, line: int, *expected: str) -> None:
    msg = str(exc.value)
    assert str(path) in msg, msg
    assert f"line {line}:" in msg, msg
    assert exc.value.line == line
    for part in expected:
        assert part in msg, msg


# ---------------------------------------------------------------- source_csv


def test_source_csv_exact():
    c = load_corpus(FIX / "source_csv.csv")
    assert (c.format, c.encoding, c.scheme, c.notes) == ("source_csv", "utf-8", "iob2", [])
    assert c.source == str(FIX / "source_csv.csv")
    assert rows(c) == [
        (
            "Thousands of demonstrators marched through London .".split(),
            ["O", "O", "O", "O", "O", "B-geo", "O"],
            None,
            2,
        ),
        (
            "Iraq 's President Jalal Talabani said , on Monday , talks would resume .".split(),
            ["B-geo", "O", "B-per", "I-per", "I-per", "O", "O", "O", "B-tim"] + ["O"] * 5,
            None,
            3,
        ),
        (
            "The U.N. agency met in Geneva .".split(),
            ["O", "B-org", "O", "O", "O", "B-geo", "O"],
            None,
            4,
        ),
    ]
    assert c.n_tokens == 28
    assert c.tag_counts() == Counter(
        {"O": 20, "B-geo": 3, "B-per": 1, "I-per": 2, "B-tim": 1, "B-org": 1}
    )
    assert c.documents() == ["#0", "#1", "#2"]


def test_source_csv_with_document_column_and_blank_line():
    c = load_corpus(FIX / "source_csv_docs.csv")
    assert (c.format, c.encoding) == ("source_csv", "utf-8")
    assert rows(c) == [
        (["Rain", "fell", "in", "Zürich", "."], ["O", "O", "O", "B-geo", "O"], "d1", 2),
        (["It", "stopped", "on", "Sunday", "."], ["O", "O", "O", "B-tim", "O"], "d1", 3),
        (["Acme", "Corp", "sold", "phones", "."], ["B-org", "I-org", "O", "O", "O"], "d2", 5),
    ]
    assert c.documents() == ["d1", "d2"]


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("source_csv.csv", "source_csv"),
        ("source_csv_docs.csv", "source_csv"),
        ("gmb_latin1.csv", "gmb_long"),
        ("conll_space.txt", "conll"),
        ("conll_tab.tsv", "conll"),
        ("conll_iob1.txt", "conll"),
    ],
)
def test_auto_detection(name, fmt):
    assert load_corpus(FIX / name).format == fmt
    # the explicit format reads the same sentences
    assert rows(load_corpus(FIX / name, format=fmt)) == rows(load_corpus(FIX / name))


def test_detect_format_strings():
    assert data.detect_format("\n\nSentence #,Word,POS,Tag\n") == "gmb_long"
    assert data.detect_format("Sentence,Tag\n") == "source_csv"
    assert data.detect_format("Document,Sentence,Tag\n") == "source_csv"
    assert data.detect_format("EU NNP B-ORG\n") == "conll"


# ---------------------------------------------------------------- GMB long format


GMB_EXPECTED = [
    (
        ["Thousands", "of", "demonstrators", "marched", "in", "Montréal", "."],
        ["O", "O", "O", "O", "O", "B-geo", "O"],
        "Sentence: 1",
        2,
    ),
    (
        ["They", "counted", "1,000", "people", "on", "Monday", "."],
        ["O", "O", "O", "O", "O", "B-tim", "O"],
        "Sentence: 2",
        9,
    ),
    (["José", "Ramos", ",", "spoke", "."], ["B-per", "I-per", "O", "O", "O"], "Sentence: 3", 16),
]


def test_gmb_fixture_is_latin1_crlf():
    raw = (FIX / "gmb_latin1.csv").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 20
    assert b"Montr\xe9al" in raw and b"Jos\xe9" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_gmb_latin1_crlf_exact():
    c = load_corpus(FIX / "gmb_latin1.csv")
    assert c.format == "gmb_long"
    # auto tries utf-8 (fails on 0xe9), then cp1252, which decodes 0xe9 as 'é' like latin-1
    assert c.encoding == "cp1252"
    assert rows(c) == GMB_EXPECTED
    assert c[0].words[5] == "Montr\u00e9al"
    assert not any("\r" in w for s in c for w in s.words + s.tags)
    assert c.n_tokens == 19


def test_gmb_explicit_encodings():
    c = load_corpus(FIX / "gmb_latin1.csv", encoding="latin-1")
    assert c.encoding == "latin-1"
    assert rows(c) == GMB_EXPECTED
    with pytest.raises(CorpusError) as e:
        load_corpus(FIX / "gmb_latin1.csv", encoding="utf-8")
    assert_error(e, FIX / "gmb_latin1.csv", 7, "byte 0xe9", "tried encodings utf-8")


# ---------------------------------------------------------------- CoNLL


def test_conll_space_separated_docstart_whitespace_lines_no_final_newline():
    raw = (FIX / "conll_space.txt").read_bytes()
    assert not raw.endswith(b"\n") and b"\n   \n" in raw
    c = load_corpus(FIX / "conll_space.txt")
    assert (c.format, c.scheme, c.notes) == ("conll", "iob2", [])
    assert rows(c) == [
        (["EU", "rejects", "German", "call", "."], ["B-ORG", "O", "B-MISC", "O", "O"], "doc-1", 3),
        (["Peter", "Blackburn"], ["B-PER", "I-PER"], "doc-1", 9),
        (["BRUSSELS", "1996-08-22"], ["B-LOC", "O"], "doc-2", 14),
    ]
    assert c.documents() == ["doc-1", "doc-2"]


def test_conll_tab_separated():
    raw = (FIX / "conll_tab.tsv").read_bytes()
    assert not raw.endswith(b"\n") and b"\n\t \t\n" in raw
    c = load_corpus(FIX / "conll_tab.tsv")
    assert rows(c) == [
        (["John", "lives", "in", "New", "York"], ["B-PER", "O", "O", "B-LOC", "I-LOC"], "doc-0", 1),
        (["He", "works", "for", "Acme"], ["O", "O", "O", "B-ORG"], "doc-0", 7),
    ]


IOB2_CONVERTED = [
    ["B-PER", "I-PER", "O", "B-LOC", "O"],
    ["O", "O", "B-PER", "B-PER", "I-PER", "O", "O", "O"],
    ["O", "O", "O", "O"],
]


def test_conll_iob1_detected_and_converted():
    c = load_corpus(FIX / "conll_iob1.txt")
    assert [s.tags for s in c] == IOB2_CONVERTED
    assert [s.line for s in c] == [3, 9, 18]
    assert c.scheme == "iob1→iob2"
    assert c.notes == [
        "2 sentences had spans starting with I- (the first at line 3); converted to IOB2"
    ]


def test_conll_iob2_with_a_broken_i_start_is_repaired_and_said_so(tmp_path):
    """One I- start in a file whose other spans start with B- is a broken IOB2 tag, not IOB1: it
    is read as B-, as seqeval reads it, and the note names both lines and says which it was."""
    f = tmp_path / "mixed.conll"
    f.write_text("John B-per\nran O\n\nin O\nParis I-geo\n", encoding="utf-8")
    c = load_corpus(f)
    assert [s.tags for s in c] == [["B-per", "O"], ["O", "B-geo"]] and c.scheme == "iob2, repaired"
    assert c.notes == [
        "1 sentences had spans starting with I- (the first at line 4); the file also starts spans "
        "with B- (line 1), so these are broken IOB2 tags: each such I- was read as B-, as seqeval "
        "reads it"
    ]
    with pytest.raises(CorpusError) as e:
        load_corpus(f, scheme="iob2")
    assert_error(e, f, 4, "an I- tag starts a span")
    asked = load_corpus(f, scheme="iob1")  # converted as asked, not called broken
    assert asked.scheme == "iob1→iob2" and asked.notes[0].endswith("; converted to IOB2")


@pytest.mark.parametrize(
    "text, line, columns",
    [
        ("John B-per\nNew York B-geo\n", 2, "3 columns where line 1 has 2"),
        ("New\tB-geo\nYork City\tI-geo\n", 2, "3 columns where line 1 has 2"),
        ("John NNP B-per\nran O\n", 2, "2 columns where line 1 has 3"),
    ],
)
def test_conll_lines_with_other_columns_are_refused(tmp_path, text, line, columns):
    """A word written with a space used to lose its second part without a word said."""
    f = tmp_path / "cols.conll"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(f)
    assert_error(e, f, line, columns, "a word written with a space")


def test_spreadsheet_rows_of_commas_and_empty_header_columns_are_read(tmp_path):
    """Rows with every field empty hold nothing and are skipped, like blank lines; a header's empty
    trailing columns (a spreadsheet's export) are not 'named twice'."""
    f = tmp_path / "sheet.csv"
    f.write_text("Sentence,Tag,,\nOk .,\"['O', 'O']\",,\n,,,\n  \n", encoding="utf-8")
    assert [s.words for s in load_corpus(f)] == [["Ok", "."]]


def test_types_that_differ_only_in_case_are_refused(tmp_path):
    f = tmp_path / "case.conll"
    f.write_text("Paris B-LOC\n\nLyon B-loc\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(f)
    assert_error(e, f, 3, "tag 'B-loc'", "also writes this type as 'LOC' (line 1)")


def test_conll_iob1_with_scheme_iob1_converts():
    c = load_corpus(FIX / "conll_iob1.txt", scheme="iob1")
    assert [s.tags for s in c] == IOB2_CONVERTED
    assert c.scheme == "iob1→iob2"


def test_conll_iob1_with_scheme_iob2_raises():
    with pytest.raises(CorpusError) as e:
        load_corpus(FIX / "conll_iob1.txt", scheme="iob2")
    assert_error(e, FIX / "conll_iob1.txt", 3, "I- tag starts a span", "expected B- (IOB2)")


def test_iob2_file_with_scheme_iob1_is_unchanged():
    c = load_corpus(FIX / "conll_space.txt", scheme="iob1")
    assert [s.tags for s in c] == [
        ["B-ORG", "O", "B-MISC", "O", "O"],
        ["B-PER", "I-PER"],
        ["B-LOC", "O"],
    ]


def test_bad_arguments():
    with pytest.raises(ValueError, match="format='xml'"):
        load_corpus(FIX / "conll_tab.tsv", format="xml")
    with pytest.raises(ValueError, match="scheme='bio'"):
        load_corpus(FIX / "conll_tab.tsv", scheme="bio")
    with pytest.raises(ValueError, match="split='dev'"):
        data.load_embedded("dev")


# ---------------------------------------------------------------- Hugging Face datasets


def _hf_features():
    from datasets import ClassLabel, Features, Sequence, Value

    return Features(
        {
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])),
        }
    )


def test_hf_dataset_tags_become_names():
    from datasets import Dataset

    ds = Dataset.from_dict(
        {"tokens": [["Ana", "Lima", "flew"], ["to", "Oslo"]], "ner_tags": [[1, 2, 0], [0, 3]]},
        features=_hf_features(),
    )
    c = load_corpus(ds)
    assert (c.format, c.source, c.encoding) == ("hf", "<Dataset>", None)
    assert rows(c) == [
        (["Ana", "Lima", "flew"], ["B-PER", "I-PER", "O"], None, 1),
        (["to", "Oslo"], ["O", "B-LOC"], None, 2),
    ]


def test_hf_dataset_dict_raises():
    from datasets import Dataset, DatasetDict

    ds = Dataset.from_dict({"tokens": [["a"]], "ner_tags": [[0]]}, features=_hf_features())
    with pytest.raises(CorpusError, match=r"DatasetDict with splits \['train', 'test'\]: pass one"):
        load_corpus(DatasetDict({"train": ds, "test": ds}))


def test_hf_bad_rows():
    from datasets import Dataset

    feats = _hf_features()
    mismatch = Dataset.from_dict(
        {"tokens": [["a"], ["b", "c"]], "ner_tags": [[0], [0]]}, features=feats
    )
    with pytest.raises(CorpusError, match=r"<Dataset>, line 2: 2 words but 1 tags: expected one"):
        load_corpus(mismatch)
    # ClassLabel allows -1 ("no label"): it must not silently become the last name ('I-LOC')
    unlabelled = Dataset.from_dict({"tokens": [["a", "b"]], "ner_tags": [[1, -1]]}, features=feats)
    with pytest.raises(CorpusError, match=r"<Dataset>, line 1: .*-1.*expected"):
        load_corpus(unlabelled)
    no_tags = Dataset.from_dict({"tokens": [["a"]], "labels": [[0]]})
    with pytest.raises(CorpusError, match="expected 'tokens' and 'ner_tags'"):
        load_corpus(no_tags)


# ---------------------------------------------------------------- bad input


ACCEPTED = ["'Sentence,Tag'", "'Document,Sentence,Tag'", "'Sentence #,Word,POS,Tag'"]
NOT_RECOGNISED = ["not recognised: expected one of the headers", *ACCEPTED]

BAD = [
    # id, file name, content, load_corpus keywords, line, expected parts of the message
    (
        "count-mismatch",
        "a.csv",
        "Sentence,Tag\nGood one .,\"['O', 'O', 'O']\"\nA b .,\"['O', 'O']\"\n",
        {},
        3,
        ["3 words but 2 tags", "expected one tag per word"],
    ),
    (
        "tag-X-geo-csv",
        "a.csv",
        "Sentence,Tag\nIn Paris,\"['O', 'X-geo']\"\n",
        {},
        2,
        ["tag 2 is 'X-geo'", "expected 'O', 'B-<type>' or 'I-<type>'"],
    ),
    (
        "tag-trailing-newline-csv",
        "a.csv",
        "Sentence,Tag\nIn Paris,\"['O', 'B-geo\\n']\"\n",
        {},
        2,
        ["tag 2 is 'B-geo\\n'", "expected 'O', 'B-<type>' or 'I-<type>'"],
    ),
    (
        "tag-B-conll",
        "a.txt",
        "EU B-ORG\nrejects O\n\nIn O\nParis B-\n",
        {},
        5,
        ["tag 'B-' in the last column", "expected 'O', 'B-x' or 'I-x'"],
    ),
    (
        "tag-X-geo-gmb",
        "a.csv",
        "Sentence #,Word,POS,Tag\nSentence: 1,In,IN,O\n,Paris,NNP,X-geo\n",
        {},
        3,
        ["tag 'X-geo'", "expected 'O', 'B-<type>' or 'I-<type>'"],
    ),
    (
        "empty-sentence",
        "a.csv",
        "Sentence,Tag\nOk .,\"['O', 'O']\"\n,[]\n",
        {},
        3,
        ["empty sentence", "expected at least one word"],
    ),
    (
        "double-space",
        "a.csv",
        "Sentence,Tag\nOk  .,\"['O', 'O', 'O']\"\n",
        {},
        2,
        ["word 2 is empty"],
    ),
    (
        "tag-not-a-list",
        "a.csv",
        "Sentence,Tag\nOk .,\"('O', 'O')\"\n",
        {},
        2,
        ["expected a list of strings"],
    ),
    (
        "csv-field-count",
        "a.csv",
        "Sentence,Tag\nOk .,\"['O', 'O']\",extra\n",
        {},
        2,
        ["3 fields: expected 2"],
    ),
    ("empty-file", "a.csv", b"", {}, 1, ["empty file", "expected a header or sentences"]),
    ("whitespace-file", "a.csv", b"  \r\n\t\n \n", {}, 1, ["empty file", "expected"]),
    (
        "undecodable",
        "a.csv",
        b"Sentence,Tag\nOk .,\"['O', 'O']\"\nBad\x81\x8d .,\"['O', 'O']\"\n",
        {},
        3,
        ["byte 0x81", "tried encodings utf-8, cp1252, latin-1"],
    ),
    ("nul-byte", "a.csv", b"Sentence,Tag\nOk\x00 .,\"['O']\"\n", {}, 2, ["NUL byte"]),
    (
        "wrong-header-source-csv",
        "a.csv",
        "Sentence,Label\nOk .,\"['O', 'O']\"\n",
        {"format": "source_csv"},
        1,
        ["expected columns 'Sentence' and 'Tag'"],
    ),
    (
        "wrong-header-gmb",
        "a.csv",
        "Sentence,Word,POS,Tag\n1,Ok,NN,O\n",
        {"format": "gmb_long"},
        1,
        ["expected 'Sentence #,Word,POS,Tag'"],
    ),
    (
        "wrong-header-auto",
        "a.csv",
        "Text,Labels\nOk .,O\n",
        {},
        1,
        ["header 'Text,Labels' not recognised", *ACCEPTED],
    ),
    # a header with another separator or in lower case used to fall through to the CoNLL reader
    ("header-semicolon", "a.csv", "Sentence;Tag\nOk .;['O', 'O']\n", {}, 1, NOT_RECOGNISED),
    ("header-tab", "a.tsv", "Sentence\tTag\nOk .\t['O', 'O']\n", {}, 1, NOT_RECOGNISED),
    ("header-lower-case", "a.csv", "sentence,tag\nOk .,\"['O', 'O']\"\n", {}, 1, NOT_RECOGNISED),
    (
        "header-gmb-semicolon",
        "a.csv",
        "\nSentence #;Word;POS;Tag\nSentence: 1;Ok;NN;O\n",
        {},
        2,
        NOT_RECOGNISED,
    ),
    ("header-gmb-lower", "a.csv", "sentence #,word,pos,tag\n", {}, 1, NOT_RECOGNISED),
    (
        "utf16-without-bom",
        "a.csv",
        "Sentence,Tag\nOk .,\"['O', 'O']\"\n".encode("utf-16-le"),
        {},
        1,
        ["NUL byte", "UTF-16-LE without a byte-order mark", "encoding='utf-16-le'"],
    ),
    (
        "utf16-bom-truncated",
        "a.csv",
        "Sentence,Tag\nOk .,\"['O', 'O']\"\n".encode("utf-16") + b"A",
        {},
        3,
        ["undecodable", "tried encodings utf-16-le"],
    ),
    (
        "utf8-asked-for-utf16-file",
        "a.csv",
        "Sentence,Tag\nOk .,\"['O', 'O']\"\n".encode("utf-16"),
        {"encoding": "utf-8"},
        1,
        ["byte 0xff", "starts with a utf-16-le byte-order mark", "encoding='auto'"],
    ),
    (
        "gmb-row-before-sentence-id",
        "a.csv",
        "Sentence #,Word,POS,Tag\n,The,DT,O\nSentence: 1,Ok,NN,O\n",
        {},
        2,
        ["word before the first sentence id", "expected 'Sentence: 1'"],
    ),
    (
        "gmb-empty-word",
        "a.csv",
        "Sentence #,Word,POS,Tag\nSentence: 1,Ok,NN,O\n,,NN,O\n",
        {},
        3,
        ["Word field ''", "expected a word"],
    ),
    (
        "gmb-blank-word",
        "a.csv",
        'Sentence #,Word,POS,Tag\nSentence: 1,Ok,NN,O\n,"   ",NN,O\n',
        {},
        3,
        ["Word field '   '", "expected a word"],
    ),
    (
        "gmb-repeated-sentence-id",
        "a.csv",
        "Sentence #,Word,POS,Tag\nSentence: 1,Ok,NN,O\nSentence: 1,Yes,NN,O\n",
        {},
        3,
        ["'Sentence: 1' already starts line 2", "expected each id once"],
    ),
    (
        "source-header-column-twice",
        "a.csv",
        "Sentence,Tag,Tag\nOk .,\"['O', 'O']\",\"['O', 'O']\"\n",
        {},
        1,
        ["names ['Tag'] twice", "expected each once"],
    ),
    (
        "source-empty-document",
        "a.csv",
        "Document,Sentence,Tag\nd1,Ok .,\"['O', 'O']\"\n  ,Yes .,\"['O', 'O']\"\n",
        {},
        3,
        ["empty Document", "expected a document id (or no Document column)"],
    ),
    # a quoted cell may span lines (a spreadsheet's Alt+Enter): a word must not hold the break,
    # and an error names the row's first line (they used to name its last)
    (
        "source-line-break-in-word",
        "a.csv",
        "Sentence,Tag\n\"Hello big\nworld\",\"['O', 'O']\"\n",
        {},
        2,
        ["word 2 ('big\\nworld') holds '\\n'", "no tab or line break inside a word"],
    ),
    (
        "source-tab-in-word",
        "a.csv",
        "Sentence,Tag\nOk .,\"['O', 'O']\"\n\"New\tYork\",\"['B-geo']\"\n",
        {},
        3,
        ["word 1 ('New\\tYork') holds '\\t'", "no tab or line break inside a word"],
    ),
    (
        "source-multi-line-row-named-by-its-first-line",
        "a.csv",
        "Sentence,Tag\n\"Ok\n\",\"['O', 'O']\"\n",
        {},
        2,
        ["1 words but 2 tags", "expected one tag per word"],
    ),
    (
        "gmb-line-break-in-word",
        "a.csv",
        'Sentence #,Word,POS,Tag\nSentence: 1,Ok,NN,O\n,"New\r\nYork",NNP,B-geo\n',
        {},
        2,
        ["word 2 ('New\\r\\nYork') holds '\\n' and '\\r'", "no tab or line break"],
    ),
    (
        "source-header-after-blank-lines-named-by-its-line",
        "a.csv",
        "\n \nSentence,Tag,Tag\nOk .,\"['O', 'O']\",\"['O', 'O']\"\n",
        {},
        3,
        ["names ['Tag'] twice", "expected each once"],
    ),
    (
        "conll-one-column",
        "a.txt",
        "EU NNP B-ORG\nrejects\n",
        {},
        2,
        ["'rejects'", "expected a word and a tag column"],
    ),
    (
        "header-only",
        "a.csv",
        "Sentence,Tag\n",
        {},
        1,
        ["no sentences found (read as source_csv)", "expected"],
    ),
    (
        "conll-docstart-only",
        "a.txt",
        "-DOCSTART- O\n\n",
        {},
        2,
        ["no sentences found (read as conll)", "expected"],
    ),
]


@pytest.mark.parametrize(
    "name, content, kwargs, line, expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_input_raises_corpus_error(tmp_path, name, content, kwargs, line, expected):
    path = write(tmp_path, name, content)
    with pytest.raises(CorpusError) as e:
        load_corpus(path, **kwargs)
    assert_error(e, path, line, *expected)


# Odd files that are valid and must load whole: id, content, keywords, format, encoding, words
RAIN = "Sentence,Tag\nRain in Z\u00fcrich .,\"['O', 'O', 'B-geo', 'O']\"\n"
LONG_WORD = "x" * 140_000  # over the csv module's 131,072-character field limit
ODD = [
    ("utf-16-le-bom", RAIN.encode("utf-16"), {}, "source_csv", "utf-16-le"),
    (
        "utf-16-be-bom",
        codecs.BOM_UTF16_BE + RAIN.encode("utf-16-be"),
        {},
        "source_csv",
        "utf-16-be",
    ),
    (
        "utf-32-le-bom",
        codecs.BOM_UTF32_LE + RAIN.encode("utf-32-le"),
        {},
        "source_csv",
        "utf-32-le",
    ),
    (
        "utf-32-be-bom",
        codecs.BOM_UTF32_BE + RAIN.encode("utf-32-be"),
        {},
        "source_csv",
        "utf-32-be",
    ),
    ("utf-16-asked-for", RAIN.encode("utf-16"), {"encoding": "utf-16"}, "source_csv", "utf-16"),
    ("utf-8-bom", codecs.BOM_UTF8 + RAIN.encode(), {}, "source_csv", "utf-8"),
    ("long-line-conll", f"{LONG_WORD} O\nin O\nOslo B-geo\n", {}, "conll", "utf-8"),
    (
        "long-field-csv",
        f"Sentence,Tag\nRain in {LONG_WORD} .,\"['O', 'O', 'B-geo', 'O']\"\n",
        {},
        "source_csv",
        "utf-8",
    ),
    # blank lines before the header: format detection skips them, and so do the readers
    ("blank-lines-before-a-source-header", "\n\n" + RAIN, {}, "source_csv", "utf-8"),
    (
        "blank-lines-before-a-gmb-header",
        "\r\n  \r\nSentence #,Word,POS,Tag\r\nSentence: 1,Rain,NN,O\r\n,in,IN,O\r\n"
        ",Oslo,NNP,B-geo\r\n,.,.,O\r\n",
        {},
        "gmb_long",
        "utf-8",
    ),
    (
        "long-field-gmb",
        "Sentence #,Word,POS,Tag\nSentence: 1,Rain,NN,O\n,in,IN,O\n"
        f",{LONG_WORD},NNP,B-geo\n,.,.,O\n",
        {},
        "gmb_long",
        "utf-8",
    ),
]


@pytest.mark.parametrize("content, kwargs, fmt, enc", [o[1:] for o in ODD], ids=[o[0] for o in ODD])
def test_odd_but_valid_files_load_whole(tmp_path, content, kwargs, fmt, enc):
    c = load_corpus(write(tmp_path, "odd.txt", content), **kwargs)
    assert (c.format, c.encoding) == (fmt, enc)
    assert len(c) == 1
    assert c[0].tags[2] == "B-geo"
    assert c[0].words[2] in ("Z\u00fcrich", "Oslo", LONG_WORD)
    assert len(c[0].words) == {"conll": 3}.get(fmt, 4)
    assert csv.field_size_limit() == 131_072  # the csv module's limit is restored


def test_unknown_encoding_names_the_parameter(tmp_path, capsys):
    path = write(tmp_path, "a.csv", RAIN)
    with pytest.raises(ValueError, match="encoding='foo' is not an encoding Python knows"):
        load_corpus(path, encoding="foo")
    assert data.main([str(path), "--encoding", "foo"]) == 1
    assert "error: encoding='foo' is not an encoding" in capsys.readouterr().err


def test_directory_is_named_a_directory(tmp_path, capsys):
    with pytest.raises(IsADirectoryError, match="is a directory.*expected a corpus file"):
        load_corpus(tmp_path)
    assert data.main([str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "is a directory" in err and "not found" not in err


def test_word_without_token_names_its_file_line(tmp_path, tok, gmb_maps):
    """A zero-width space or soft hyphen loads (it is text), but yields no subword token: the
    error at alignment names the sentence in the whole dataset and its line in the file."""
    from helpers.alignment import features_dataset

    rows = "".join(
        f"Rain fell on day {i} .,\"['O', 'O', 'O', 'O', 'O', 'O']\"\n" for i in range(1100)
    )
    bad = "Rain fell in \u00ad Oslo .,\"['O', 'O', 'O', 'O', 'B-geo', 'O']\"\n"
    path = write(tmp_path, "zw.csv", "Sentence,Tag\n" + rows + bad)
    corpus = load_corpus(path)
    assert corpus[1100].words[3] == "\u00ad" and corpus[1100].line == 1102
    ds = data.to_dataset_dict({"train": corpus.sentences})["train"]
    with pytest.raises(
        ValueError, match=r"sentence 1101 \(file line 1102\): 1 of 6 words .*'\\xad'"
    ):
        features_dataset(ds, tok, gmb_maps[0])


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        load_corpus(missing)


# ---------------------------------------------------------------- security


@pytest.mark.parametrize(
    "tag_cell",
    [
        "__import__('os').system('touch pwned')",
        "[__import__('os').system('touch pwned')]",
        "\"['O'] if __import__('os').system('touch pwned') else ['O']\"",
    ],
)
def test_tag_cell_is_never_executed(tmp_path, monkeypatch, tag_cell):
    original_cwd = Path.cwd()
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "evil.csv", f"Sentence,Tag\nhello,{tag_cell}\n")
    with pytest.raises(CorpusError) as e:
        load_corpus(path)
    assert_error(e, path, 2, "is not a Python list literal")
    assert not (tmp_path / "pwned").exists()
    assert not (Path.cwd() / "pwned").exists()
    assert not (original_cwd / "pwned").exists()


# ---------------------------------------------------------------- splits


def _sentences(docs: dict[str, int]) -> list[Sentence]:
    out = []
    for doc, n in docs.items():
        for i in range(n):
            out.append(Sentence([f"{doc}w{i}"], ["O"], doc, len(out) + 1))
    return out


def test_split_sentences_matches_sklearn():
    from sklearn.model_selection import train_test_split

    sents = _sentences({f"d{i}": 1 for i in range(23)})
    tr_idx, te_idx = train_test_split(list(range(23)), test_size=0.2, random_state=42)
    train, test = data.split_sentences(sents)
    assert [sents.index(s) for s in train] == tr_idx
    assert [sents.index(s) for s in test] == te_idx
    assert (len(train), len(test)) == (18, 5)
    assert data.split_sentences(sents) == (train, test)


def test_split_documents_keeps_documents_whole():
    sizes = {f"doc{i}": 1 + i % 4 for i in range(10)}
    sents = _sentences(sizes)
    train, test = data.split_documents(sents, test_size=0.2, seed=42)
    train_docs, test_docs = {s.doc_id for s in train}, {s.doc_id for s in test}
    assert not train_docs & test_docs
    assert train_docs | test_docs == set(sizes)
    assert len(test_docs) == 2
    assert len(train) + len(test) == len(sents)
    # whole documents, sentence order kept
    assert Counter(s.doc_id for s in test) == {d: sizes[d] for d in test_docs}
    assert [s.line for s in train] == sorted(s.line for s in train)
    assert [s.line for s in test] == sorted(s.line for s in test)
    # deterministic per seed; some other seed picks other documents
    assert data.split_documents(sents, test_size=0.2, seed=42) == (train, test)
    others = [{s.doc_id for s in data.split_documents(sents, 0.2, seed)[1]} for seed in range(20)]
    assert any(o != test_docs for o in others)


@pytest.mark.parametrize(
    ("sizes", "test_size"), [({"d1": 5}, 0.2), ({"a": 1, "b": 2, "c": 1}, 0.9)]
)
def test_split_documents_refuses_to_leave_no_document_to_train_on(sizes, test_size):
    with pytest.raises(ValueError, match=rf"^heldout_size={test_size} of {len(sizes)} document"):
        data.split_documents(_sentences(sizes), test_size, name="heldout_size")


def test_split_documents_needs_doc_ids():
    sents = [Sentence(["a"], ["O"]), Sentence(["b"], ["O"])]
    with pytest.raises(ValueError, match="no doc_id"):
        data.split_documents(sents)


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, -0.2, 1.5])
@pytest.mark.parametrize("split", [data.split_sentences, data.split_documents])
def test_split_invalid_test_size(split, bad):
    # the fraction check itself, not a later "leaves an empty side" that names test_size too
    with pytest.raises(ValueError, match=rf"^test_size={bad!r}: expected a fraction between 0"):
        split(_sentences({f"d{i}": 2 for i in range(5)}), test_size=bad)


def test_to_dataset_dict():
    from datasets import DatasetDict

    docs = list(load_corpus(FIX / "source_csv_docs.csv"))
    plain = list(load_corpus(FIX / "source_csv.csv"))
    dd = data.to_dataset_dict({"train": docs, "test": plain})
    assert isinstance(dd, DatasetDict)
    assert list(dd) == ["train", "test"]
    assert dd["train"].column_names == ["words", "tags", "doc_id", "line"]
    assert dd["test"].column_names == ["words", "tags", "doc_id", "line"]
    assert (dd["train"].num_rows, dd["test"].num_rows) == (3, 3)
    assert dd["train"][2] == {
        "words": ["Acme", "Corp", "sold", "phones", "."],
        "tags": ["B-org", "I-org", "O", "O", "O"],
        "doc_id": "d2",
        "line": 5,
    }
    assert dd["test"]["doc_id"] == ["", "", ""]
    assert dd["test"]["line"] == [2, 3, 4]


# ---------------------------------------------------------------- embedded corpus


@pytest.fixture(scope="module")
def embedded():
    return data.load_embedded("train"), data.load_embedded("test")


def test_embedded_loads_and_validates(embedded):
    for c in embedded:
        assert (c.format, c.encoding, c.scheme, c.notes) == ("source_csv", "utf-8", "iob2", [])
        assert all(s.doc_id for s in c)
        for s in c:
            data.check_sentence(s.words, s.tags, c.source, s.line)


def test_embedded_floors(embedded):
    train, test = embedded
    assert len(train) + len(test) >= 1000
    assert train.n_tokens + test.n_tokens >= 18000
    mentions = train.tag_counts() + test.tag_counts()
    for t in ENTITY_TYPES:
        assert mentions[f"B-{t}"] >= 40, (t, mentions[f"B-{t}"])
    assert {t[2:] for t in mentions if t != "O"} == set(ENTITY_TYPES)


def test_embedded_documents_and_no_leakage(embedded):
    train, test = embedded
    for c in embedded:
        per_doc = Counter(s.doc_id for s in c)
        bad = {d: n for d, n in per_doc.items() if not 3 <= n <= 10}  # the datasheet: 3-10
        assert not bad, bad
        # a document's sentences are contiguous in the file
        assert len(c.documents()) == len(
            [i for i, s in enumerate(c) if i == 0 or c[i - 1].doc_id != s.doc_id]
        )
    assert not set(train.documents()) & set(test.documents())
    train_text = {" ".join(s.words) for s in train}
    assert not train_text & {" ".join(s.words) for s in test}


# ---------------------------------------------------------------- command line


def test_cli_ok(capsys):
    assert data.main([str(FIX / "source_csv.csv")]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "format:    source_csv (encoding utf-8, scheme iob2)" in out
    assert re.search(r"^sentences: 3$", out, re.M)
    assert re.search(r"^tokens:    28$", out, re.M)
    for tag, n in {"O": 20, "B-geo": 3, "B-per": 1, "I-per": 2, "B-tim": 1, "B-org": 1}.items():
        assert re.search(rf"^  {re.escape(tag)} +{n}$", out, re.M), (tag, out)
    assert re.search(r"^seconds:   \d+\.\d\d$", out, re.M)


def test_cli_iob1_note(capsys):
    assert data.main([str(FIX / "conll_iob1.txt")]) == 0
    out = capsys.readouterr().out
    assert "scheme iob1→iob2" in out
    assert "note:      2 sentences had spans starting with I- (the first at line 3)" in out


def test_cli_bad_file(tmp_path, capsys):
    path = write(tmp_path, "bad.csv", "Sentence,Tag\nA b .,\"['O', 'O']\"\n")
    assert data.main([str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ")
    assert f"{path}, line 2: 3 words but 2 tags" in err
    assert data.main([str(tmp_path / "missing.csv")]) == 1
    assert "not found" in capsys.readouterr().err


# ---------------------------------------------------------------- experiment splits


def _csv_of(n: int) -> str:
    return "Sentence,Tag\n" + "".join(f"Day {i} .,\"['O', 'O', 'O']\"\n" for i in range(n))


def test_experiment_splits_of_a_file(tmp_path):
    path = write(tmp_path, "twelve.csv", _csv_of(12))
    sp = data.experiment_splits(path, n_sentences=10, test_size=0.2, validation_size=0.25, seed=1)
    used = sp.train + sp.validation + sp.test
    assert len(used) == 10 and len(sp.test) == 2 and len(sp.validation) == 2
    assert sorted(s.line for s in used) == list(range(2, 12))  # the first 10 sentences
    assert sp.how == "first 10 sentences, test_size=0.2, seed=1"
    assert sp.source == f"{path} (source_csv)"
    whole = data.experiment_splits(path, validation_size=0)
    assert whole.validation == [] and len(whole.train) + len(whole.test) == 12
    assert whole.how.startswith("all 12 sentences")


def test_experiment_splits_refuses_more_sentences_than_the_file_has(tmp_path):
    path = write(tmp_path, "twelve.csv", _csv_of(12))
    with pytest.raises(ValueError, match=r"n_sentences=20: .*twelve.csv has only 12 sentences"):
        data.experiment_splits(path, n_sentences=20)


def test_experiment_splits_embedded():
    sp = data.experiment_splits(n_sentences=100, validation_size=0.1)
    assert (len(sp.train), len(sp.validation)) == (90, 10)
    assert sp.test == data.load_embedded("test").sentences
    with pytest.raises(ValueError, match=r"n_sentences=5000: .*only \d+ sentences"):
        data.experiment_splits(n_sentences=5000)
    with pytest.raises(ValueError, match="n_sentences=2"):
        data.experiment_splits(n_sentences=2)
    assert data.experiment_splits(n_sentences=50, validation_size=0).validation == []


# ---------------------------------------------------------------- corpus check


def _row(doc: str, tagged: str) -> str:
    """'Washington/B-org said ./O' style → a source_csv row (untagged words are O)."""
    pairs = [w.rsplit("/", 1) if "/" in w[1:] else (w, "O") for w in tagged.split()]
    words = " ".join(w for w, _ in pairs)
    return f'{doc},"{words}","{[t for _, t in pairs]}"\n'


FLOOD = "Floods/O swept/O the/O delta/O villages/O after/O monsoon/O rains/O destroyed/O levees/O"
CHECK_TRAIN = [
    ("a1", "Washington/B-org said/O talks/O in/O Paris/B-geo would/O resume/O ./O"),
    ("a1", "Jordan/B-per scored/O twice/O in/O Madrid/B-geo ./O"),
    ("a2", "He flew to Washington/B-geo on Monday/B-tim ."),
    ("a2", "Amazon/B-org hired/O staff/O in/O the/O Amazon/O basin/O ./O"),
    ("a3", FLOOD + " near Dhaka/B-geo ."),
    ("a4", FLOOD + " in the north ."),  # same story as a3, same split: not reported
    ("a5", "The/O envoy/O met/O Smith/I-per ./O"),  # I- starts a span
]
CHECK_TEST = [
    ("b1", "Jordan/B-geo closed/O its/O border/O ./O"),
    ("b2", FLOOD + " around Khulna/B-geo ."),  # a3 retold in the test split
    ("b3", "Voters in Ghana/B-geo chose a new parliament on Saturday/B-tim ."),
]
CHECK_README = """# A datasheet

## Deliberate conflicts

| surface form | types | rule |
|---|---|---|
| `Washington` | geo/org | the city is geo; the US government is org |
| Turkey | geo/nat | listed, but the corpus has no such conflict |

## Next section

| Jordan | geo/per | not in the conflicts section, so not a listing |
"""


def _write_corpus(folder: Path, readme: str = CHECK_README) -> Path:
    folder.mkdir(exist_ok=True)
    for name, rows in (("mini_train.csv", CHECK_TRAIN), ("mini_test.csv", CHECK_TEST)):
        text = "Document,Sentence,Tag\n" + "".join(_row(d, r) for d, r in rows)
        write(folder, name, text)
    write(folder, "README.md", readme)
    return folder


def test_deliberate_conflicts_reads_only_its_table():
    assert data.deliberate_conflicts(CHECK_README) == {
        "Washington": {"geo", "org"},
        "Turkey": {"geo", "nat"},
    }
    assert data.deliberate_conflicts("# no such section\n| a | geo/org | x |\n") == {}


def test_check_corpus_on_a_synthetic_corpus(tmp_path):
    check = data.check_corpus(_write_corpus(tmp_path / "mini"))
    assert list(check.splits) == ["train", "test"]
    assert check.counts == {
        "train": Counter({"geo": 4, "org": 2, "per": 2, "tim": 1}),
        "test": Counter({"geo": 3, "tim": 1}),
    }
    # (c) BIO: the I- that starts a span, with its file line
    assert check.bio == [
        "train line 8 (a5): O O O I-per O: an I- tag starts a span; expected B- (IOB2)"
    ]
    # (a) surface forms with two types; Washington is listed, Jordan is not
    assert {f.text: dict(f.types) for f in check.multi_type} == {
        "Jordan": {"per": 1, "geo": 1},
        "Washington": {"org": 1, "geo": 1},
    }
    assert [f.text for f in check.unlisted()] == ["Jordan"]
    assert check.stale() == ["Turkey"]
    # ... and entity strings also left O: "the Amazon basin"
    assert [(f.text, f.untagged, f.untagged_where) for f in check.also_o] == [
        ("Amazon", 1, ["train line 5 (a2)"])
    ]
    # (b) the retold story across the split, not the one inside train
    assert sorted((sa, da, sb, db) for _, sa, da, sb, db in check.near_duplicates) == [
        ("train", "a3", "test", "b2"),
        ("train", "a4", "test", "b2"),
    ]
    assert all(cos >= 0.3 for cos, *_ in check.near_duplicates)
    assert not check.ok
    report = check.report()
    assert (
        "'Jordan': geo 1, per 1 [NOT LISTED]; e.g. per train line 3 (a1); geo test line 2 (b1)"
        in (report)
    )
    assert "'Washington': geo 1, org 1 [listed]" in report
    assert "'Turkey': listed as deliberate but no longer has two types" in report
    assert re.search(r"^  geo +4 +3 +7$", report, re.M)
    assert re.search(r"^  all +9 +4 +13$", report, re.M)
    assert report.endswith("result: problems found (see above)")


def test_near_duplicates_threshold(tmp_path):
    sents = {
        "train": [Sentence(FLOOD.replace("/O", "").split(), ["O"] * 10, "x", 2)],
        "test": [Sentence("Voters chose a parliament".split(), ["O"] * 4, "y", 2)],
    }
    assert data.near_duplicate_documents(sents) == []
    sents["test"].append(Sentence(FLOOD.replace("/O", "").split()[:8], ["O"] * 8, "z", 3))
    ((cos, *pair),) = data.near_duplicate_documents(sents, threshold=0.3)
    assert pair == ["train", "x", "test", "z"] and 0.5 < cos <= 1.0


def test_check_cli(tmp_path, capsys):
    folder = _write_corpus(tmp_path / "mini")
    no_floors = ["--min-train", "0", "--min-test", "0"]  # a 13-mention corpus (floors: 80 / 40)
    assert data.main(["check", str(folder), *no_floors]) == 1
    out = capsys.readouterr().out
    assert "BIO errors: 1" in out and "1 not listed as deliberate" in out
    assert "3 retold story pairs not accepted" in out  # the flood story, told three times
    # fixed: a B- tag, Jordan listed as deliberate, the flood story's pairs accepted → exit 0,
    # the duplicates are still reported
    CLEAN = [(d, r.replace("Smith/I-per", "Smith/B-per")) for d, r in CHECK_TRAIN]
    readme = CHECK_README.replace("| Turkey |", "| Jordan | geo/per | rule |\n| Turkey |")
    readme += "\n## Accepted story pairs\n\n| documents | why |\n|---|---|\n| a3 / a4 / b2 | x |\n"
    (folder / "mini_train.csv").write_text(
        "Document,Sentence,Tag\n" + "".join(_row(d, r) for d, r in CLEAN)
    )
    write(folder, "README.md", readme)
    assert data.main(["check", str(folder), *no_floors]) == 0
    out = capsys.readouterr().out
    assert "near-duplicate documents across splits (tf-idf cosine >= 0.3): 2" in out
    assert "0.807  train a4 ~ test b2: (no rare name shared) [accepted]" in out
    assert out.rstrip().endswith("result: ok")
    # the same folder with the default floors fails: every type is far below 80 / 40
    assert data.main(["check", str(folder)]) == 1
    assert "types below their floor" in capsys.readouterr().out
    assert data.main(["check", str(tmp_path / "nope")]) == 2  # bad input
    assert "is not a directory" in capsys.readouterr().err


def test_embedded_corpus_has_no_unlisted_label_conflicts(capsys):
    """The corpus gate: every surface form with two types must be in data/README.md's
    'Deliberate conflicts' table, every convention that differs from GMB in its 'Deliberate
    differences from GMB', every retold story in its 'Accepted story pairs', and the floors hold;
    the near-duplicate and register reports are printed, not asserted."""
    check = data.check_corpus("data")
    print(check.report())
    assert list(check.splits) == ["train", "test"]
    assert check.deliberate, "data/README.md has no '## Deliberate conflicts' table"
    assert not check.bio
    assert not check.unlisted(), "\n".join(
        f"{f.text!r}: {dict(f.types)}, e.g. {f.where}" for f in check.unlisted()
    )
    assert check.ok, check.failures()


@pytest.mark.parametrize(
    "call, message",
    [
        # None drew a different split on every call, True was 1, 1.5 split documents
        (lambda s: data.split_sentences(s, 0.2, None), "seed=None: expected an integer from 0"),
        (lambda s: data.split_sentences(s, 0.2, True), "seed=True: expected an integer from 0"),
        (lambda s: data.split_documents(s, 0.2, 1.5), "seed=1.5: expected an integer from 0"),
        (lambda s: data.experiment_splits(seed=-1), "seed=-1: expected an integer from 0"),
        # None or False meant no validation, silently
        (lambda s: data.experiment_splits(validation_size=None), "validation_size=None: expected"),
        (lambda s: data.experiment_splits(validation_size=False), "validation_size=False"),
    ],
)
def test_split_parameters_are_refused_by_name(call, message):
    sents = [Sentence([f"w{i}"], ["O"], f"d{i % 4}", i) for i in range(20)]
    with pytest.raises(ValueError) as err:
        call(sents)
    assert str(err.value).startswith(message)


def test_numpy_sizes_are_refused_with_the_conversion_to_make():
    """np.float32(0.2) read "expected a fraction between 0 and 1" (it is one, but not 0.2:
    ceil(0.2000000030 * 20) holds out 5 sentences, not 4), np.int64(100) "expected an integer"."""
    import numpy as np

    sents = [Sentence([f"w{i}"], ["O"], f"d{i % 4}", i) for i in range(20)]
    with pytest.raises(ValueError, match=r"\(a Python number: pass float\(test_size\)\)$"):
        data.split_sentences(sents, np.float32(0.2), 3)
    with pytest.raises(ValueError, match=r"\(a Python int: pass int\(n_sentences\)\)$"):
        data.experiment_splits(n_sentences=np.int64(100))


def test_a_gmb_file_naming_a_column_twice_is_refused(tmp_path):
    """Word named twice: the first was read, silently (the source CSV reader already refused)."""
    f = tmp_path / "gmb.csv"
    f.write_text("Sentence #,Word,Word,POS,Tag\nSentence: 1,Rain,x,NN,O\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"names \['Word'\] twice: expected each once"):
        load_corpus(f)


def test_check_corpus_checks_two_files_of_one_split(tmp_path):
    """train.conll beside train.csv: the second replaced the first, which went unchecked."""
    src = Path(data.CORPUS_TRAIN).read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "train.csv").write_text("".join(src[:40]), encoding="utf-8")
    (tmp_path / "train_b.csv").write_text("".join(src[:1] + src[40:80]), encoding="utf-8")
    (tmp_path / "train.txt").write_text("".join(src[:1] + src[80:120]), encoding="utf-8")
    (tmp_path / "test.csv").write_text("".join(src[:1] + src[120:160]), encoding="utf-8")
    result = data.check_corpus(tmp_path, floors={})
    assert sorted(result.splits) == ["test", "train", "train.txt", "train_b"]


@pytest.mark.parametrize("threshold", [float("nan"), 2, True])
def test_a_near_duplicate_threshold_outside_0_1_is_refused(threshold):
    """NaN or 2 found no pair: the duplicate check was switched off without a word."""
    sents = {"train": [Sentence(["a"], ["O"], "d1", 1)], "test": [Sentence(["a"], ["O"], "d2", 1)]}
    with pytest.raises(ValueError, match=r"expected a cosine similarity in \[0, 1\]"):
        data.near_duplicate_documents(sents, threshold)
