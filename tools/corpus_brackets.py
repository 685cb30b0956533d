"""Write the embedded corpus by hand in a bracket format, and build the CSV files from it.

The team writes and edits the corpus as plain text, one file per topic group and split
(``pol_train.txt``, ``pol_test.txt`` ...), one sentence per line, a blank line between documents:

    # pol-01
    Voters in [geo Ghana] went to the polls [tim Saturday] .
    [per Mr. Asante-Mensah] expects a close count .

An entity is ``[type word word ...]`` with one of the 8 GMB types; every other word is O.

    python tools/corpus_brackets.py export DIR            # data/*.csv -> DIR/<group>_<split>.txt
    python tools/corpus_brackets.py check FILE...         # parse, report errors as file:line
    python tools/corpus_brackets.py stats FILE...         # type mix and register figures vs GMB
    python tools/corpus_brackets.py build OUTDIR FILE...  # -> OUTDIR/news_ner_{train,test}.csv

``build`` interleaves the groups' documents round-robin (pol, biz, sci, spo, sec, env) so that the
first rows of each file cover every group. The split comes from the file name (``_test`` or
``_train``).
"""

from __future__ import annotations

import ast
import csv
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for helpers
from helpers import corpus_check  # noqa: E402  (one definition of the figures)
from helpers.data import split_lines  # noqa: E402  (lines end at \n or \r\n only)
from helpers.paths import DATA_DIR  # noqa: E402

TYPES = corpus_check.TYPES  # the 8 GMB types
GROUPS = ("pol", "biz", "sci", "spo", "sec", "env")
# <group>-<nn>, or <nnn> from 100 on (pol-07, env-144; not pol-007)
DOC_ID = re.compile(r"^(pol|biz|sci|spo|sec|env)-(\d{2}|[1-9]\d{2})$")

Doc = tuple[str, list[tuple[list[str], list[str]]]]  # id, [(words, tags)]


class BracketError(ValueError):
    pass


def parse_line(text: str, where: str) -> tuple[list[str], list[str]]:
    words: list[str] = []
    tags: list[str] = []
    open_type: str | None = None
    first = False
    for token in text.split():
        if token.startswith("[") and len(token) > 1 and token != "[":
            if open_type is not None:
                raise BracketError(f"{where}: nested '[' in {token!r}")
            kind = token[1:]
            if kind not in TYPES:
                raise BracketError(
                    f"{where}: unknown type {kind!r}; expected one of {', '.join(TYPES)}"
                )
            open_type, first = kind, True
            continue
        close = token.endswith("]") and token != "]" and open_type is not None
        word = token[:-1] if close else token
        if "[" in word or "]" in word:
            raise BracketError(f"{where}: stray bracket in {token!r}")
        if not word:
            raise BracketError(f"{where}: empty word in {token!r}")
        if open_type is None:
            tags.append("O")
        else:
            tags.append(("B-" if first else "I-") + open_type)
            first = False
        words.append(word)
        if close:
            if first:
                raise BracketError(f"{where}: empty entity")
            open_type = None
    if open_type is not None:
        raise BracketError(f"{where}: entity '[{open_type}' is not closed")
    if not words:
        raise BracketError(f"{where}: empty sentence")
    return words, tags


def read_text(path: Path) -> str:
    """The file's text: UTF-8, a byte-order mark dropped (Windows editors add one); a file that
    cannot be read or decoded is a :class:`BracketError` naming the file (and line)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BracketError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise BracketError(
            f"{path}:{line}: byte 0x{raw[e.start]:02x} is not UTF-8: expected a UTF-8 text file"
        ) from None


def odd_space(line: str, where: str) -> None:
    """Refuse a space other than a plain space or a tab (a no-break space pasted from the web,
    U+2028): the CSV would keep it inside a word, where it looks like a space but is not one."""
    for col, c in enumerate(line, start=1):
        if c.isspace() and c not in " \t":
            name = unicodedata.name(c, "a control character")
            raise BracketError(
                f"{where}: column {col} holds U+{ord(c):04X} ({name}): expected plain spaces "
                "between words"
            )


def read_file(path: Path) -> list[Doc]:
    return [doc for doc, _ in read_file_with_lines(path)]


def read_file_with_lines(path: Path) -> list[tuple[Doc, int]]:
    """:func:`read_file`'s documents, each with the line of its ``# id`` header. A document of
    another group than the file's (``# biz-01`` in ``pol_train.txt``) is refused."""
    docs: list[tuple[Doc, int]] = []
    current: Doc | None = None
    group = path.stem.split("_")[0]
    for number, raw in enumerate(split_lines(read_text(path)), start=1):
        where = f"{path}:{number}"
        odd_space(raw, where)
        line = raw.strip(" \t")
        if not line:
            current = None
            continue
        if line.startswith("#"):
            doc_id = line[1:].strip()
            if not DOC_ID.match(doc_id):
                raise BracketError(f"{where}: document id {doc_id!r}; expected e.g. '# pol-07'")
            if group in GROUPS and not doc_id.startswith(f"{group}-"):
                raise BracketError(
                    f"{where}: document {doc_id} in a {group} file; expected '# {group}-<nn>'"
                )
            current = (doc_id, [])
            docs.append((current, number))
            continue
        if current is None:
            raise BracketError(f"{where}: sentence outside a document (start one with '# pol-07')")
        current[1].append(parse_line(line, where))
    for (doc_id, sentences), number in docs:
        if not sentences:
            raise BracketError(f"{path}:{number}: document {doc_id} has no sentences")
    return docs


def split_of(path: Path) -> str:
    if path.stem.endswith("_test"):
        return "test"
    if path.stem.endswith("_train"):
        return "train"
    raise BracketError(f"{path}: file name must end in _train.txt or _test.txt")


def read_all(paths: list[Path]) -> dict[str, list[Doc]]:
    out: dict[str, list[Doc]] = {"train": [], "test": []}
    seen: dict[str, str] = {}
    for path in paths:
        for doc, number in read_file_with_lines(path):
            if doc[0] in seen:
                raise BracketError(f"{path}:{number}: document {doc[0]} also at {seen[doc[0]]}")
            seen[doc[0]] = f"{path}:{number}"
            out[split_of(path)].append(doc)
    return out


def to_brackets(words: list[str], tags: list[str]) -> str:
    parts: list[str] = []
    i = 0
    while i < len(words):
        if tags[i] == "O":
            parts.append(words[i])
            i += 1
            continue
        kind = tags[i][2:]
        j = i + 1
        while j < len(words) and tags[j] == f"I-{kind}":
            j += 1
        parts.append(f"[{kind} " + " ".join(words[i:j]) + "]")
        i = j
    return " ".join(parts)


def read_csv(path: Path) -> list[Doc]:
    docs: list[Doc] = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            words = row["Sentence"].split(" ")
            tags = ast.literal_eval(row["Tag"])
            if not docs or docs[-1][0] != row["Document"]:
                docs.append((row["Document"], []))
            docs[-1][1].append((words, tags))
    return docs


def write_brackets(path: Path, docs: list[Doc]) -> None:
    blocks = [f"# {d}\n" + "\n".join(to_brackets(w, t) for w, t in s) for d, s in docs]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def interleave(docs: list[Doc]) -> list[Doc]:
    by_group: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_group[doc[0].split("-")[0]].append(doc)
    out: list[Doc] = []
    while any(by_group.values()):
        for group in GROUPS:
            if by_group[group]:
                out.append(by_group[group].pop(0))
    return out


def write_csv(path: Path, docs: list[Doc]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Document", "Sentence", "Tag"])
        for doc_id, sentences in docs:
            for words, tags in sentences:
                writer.writerow([doc_id, " ".join(words), repr(tags)])


class _Sentence:
    """What helpers.corpus_check reads: words, tags, doc_id, line."""

    def __init__(self, words: list[str], tags: list[str], doc_id: str) -> None:
        self.words, self.tags, self.doc_id, self.line = words, tags, doc_id, None


def stats(docs: list[Doc]) -> list[tuple[str, str, str]]:
    """(figure, value, GMB reference) rows for the register and type mix of ``docs``: the same
    figures as ``python -m helpers.data check`` (helpers/corpus_check.py defines them)."""
    sents = [_Sentence(w, t, d) for d, ss in docs for w, t in ss]
    rows = [("documents", str(len(docs)), "")]
    for r in [*corpus_check.type_mix(sents), *corpus_check.register_rows(sents)]:
        gmb = f"{r.gmb} (within 1.5x: {r.range_text()})" if r.judged else r.gmb
        rows.append((r.figure, r.text, gmb))
    return rows


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("export", "check", "stats", "build"):
        print(__doc__)
        return 2
    try:
        if argv[0] == "export":
            out = Path(argv[1])
            out.mkdir(parents=True, exist_ok=True)
            for split in ("train", "test"):
                docs = read_csv(DATA_DIR / f"news_ner_{split}.csv")
                for group in GROUPS:
                    mine = [d for d in docs if d[0].startswith(group + "-")]
                    write_brackets(out / f"{group}_{split}.txt", mine)
            return 0
        if argv[0] == "check":
            splits = read_all([Path(p) for p in argv[1:]])
            for split, docs in splits.items():
                sents = [s for _, ss in docs for s in ss]
                mentions = sum(t.startswith("B-") for _, tags in sents for t in tags)
                print(
                    f"{split}: {len(docs)} documents, {len(sents)} sentences, {mentions} mentions"
                )
            print("ok")
            return 0
        if argv[0] == "stats":
            splits = read_all([Path(p) for p in argv[1:]])
            for label, value, gmb in stats(splits["train"] + splits["test"]):
                print(f"{label:42s} {value:12s} {gmb}")
            return 0
        out = Path(argv[1])
        splits = read_all([Path(p) for p in argv[2:]])
        for split, docs in splits.items():  # an empty split would wipe that CSV file
            if not docs:
                raise BracketError(
                    f"no {split} documents among the files: build writes news_ner_train.csv and "
                    f"news_ner_test.csv, so it needs *_train.txt and *_test.txt files"
                )
        out.mkdir(parents=True, exist_ok=True)
        for split, docs in splits.items():
            write_csv(out / f"news_ner_{split}.csv", interleave(docs))
        return 0
    except BracketError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
