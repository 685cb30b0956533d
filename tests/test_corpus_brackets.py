"""tools/corpus_brackets.py: the embedded corpus's CSV files are what its bracket sources build,
and the tool refuses what it cannot read faithfully (by file and line) instead of guessing."""

from __future__ import annotations

import codecs
import importlib.util

import pytest

from helpers.paths import DATA_DIR, REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    "corpus_brackets", REPO_ROOT / "tools" / "corpus_brackets.py"
)
assert _spec is not None and _spec.loader is not None
cb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cb)

SOURCES = sorted((DATA_DIR / "source").glob("*_t*.txt"))
DOC = "# pol-01\nVoters in [geo Ghana] went to the polls [tim Saturday] .\n"


def test_the_csv_files_are_what_the_sources_build(tmp_path):
    assert len(SOURCES) == 12
    out = tmp_path / "new" / "data"  # build makes the folder
    assert cb.main(["build", str(out), *map(str, SOURCES)]) == 0
    for split in ("train", "test"):
        name = f"news_ner_{split}.csv"
        assert (out / name).read_bytes() == (DATA_DIR / name).read_bytes(), name


def test_build_refuses_to_write_a_split_without_documents(tmp_path, capsys):
    """With only train files, build used to write a header-only test CSV (exit 0)."""
    trains = [str(p) for p in SOURCES if p.stem.endswith("_train")]
    assert cb.main(["build", str(tmp_path), *trains]) == 2
    assert "no test documents among the files" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert cb.main(["build", str(tmp_path)]) == 2  # no file at all
    assert list(tmp_path.iterdir()) == []


def test_a_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "pol_train.txt"
    path.write_bytes(codecs.BOM_UTF8 + DOC.encode())
    [(doc_id, [(words, tags)])] = cb.read_file(path)
    assert doc_id == "pol-01" and words[2] == "Ghana" and tags[2] == "B-geo"


@pytest.mark.parametrize(
    "text, message",
    [
        (DOC + "Paid 10\u00a0000 .\n", r":3: column 8 holds U\+00A0 \(NO-BREAK SPACE\)"),
        (DOC + "One half\u2028second half .\n", r":3: column 9 holds U\+2028 \(LINE SEPARATOR\)"),
        (DOC + "Fine .\rNext .\n", r":3: column 7 holds U\+000D"),
    ],
    ids=["no-break-space", "line-separator", "bare-carriage-return"],
)
def test_spaces_that_are_not_plain_spaces_are_refused_by_line(tmp_path, text, message):
    """They used to split words or lines silently (str.split, str.splitlines)."""
    path = tmp_path / "pol_train.txt"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(cb.BracketError, match=f"^{path}{message}"):
        cb.read_file(path)


def test_unreadable_files_are_named(tmp_path):
    path = tmp_path / "pol_train.txt"
    path.write_bytes(DOC.encode() + "Caf\u00e9 .\n".encode("cp1252"))
    with pytest.raises(cb.BracketError, match=rf"^{path}:3: byte 0xe9 is not UTF-8"):
        cb.read_file(path)
    with pytest.raises(cb.BracketError, match=rf"^{tmp_path / 'none_train.txt'}: cannot read"):
        cb.read_file(tmp_path / "none_train.txt")


def test_export_reads_the_repo_data_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cb.main(["export", "txt"]) == 0
    for source in SOURCES:
        assert (tmp_path / "txt" / source.name).read_text() == source.read_text(), source.name


def test_document_errors_name_the_header_line_and_the_files_group(tmp_path):
    """An empty or repeated document was named without its line; a document of another group
    than its file's, or an id like pol-007 (the format is <nn>, or <nnn> from 100 on), passed."""
    path = tmp_path / "pol_train.txt"
    path.write_text(DOC + "\n# pol-02\n\n# pol-03\nRain .\n")
    with pytest.raises(cb.BracketError, match=rf"^{path}:4: document pol-02 has no sentences$"):
        cb.read_file(path)
    path.write_text(DOC + "\n# pol-01\nRain .\n")
    with pytest.raises(cb.BracketError, match=rf"^{path}:4: document pol-01 also at {path}:1$"):
        cb.read_all([path])
    for header, message in (
        ("# biz-01", "document biz-01 in a pol file"),
        ("# pol-007", "document id .pol-007."),
    ):
        path.write_text(DOC.replace("# pol-01", header))
        with pytest.raises(cb.BracketError, match=rf"^{path}:1: {message}"):
            cb.read_file(path)
    path.write_text(DOC.replace("# pol-01", "# pol-144"))
    assert cb.read_file(path)[0][0] == "pol-144"
