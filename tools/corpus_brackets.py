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
from collections import defaultdict
from pathlib import Path

TYPES = ("art", "eve", "geo", "gpe", "nat", "org", "per", "tim")
GROUPS = ("pol", "biz", "sci", "spo", "sec", "env")
DOC_ID = re.compile(r"^(pol|biz|sci|spo|sec|env)-\d{2,3}$")

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


def read_file(path: Path) -> list[Doc]:
    docs: list[Doc] = []
    current: Doc | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path}:{number}"
        if not line:
            current = None
            continue
        if line.startswith("#"):
            doc_id = line[1:].strip()
            if not DOC_ID.match(doc_id):
                raise BracketError(f"{where}: document id {doc_id!r}; expected e.g. '# pol-07'")
            current = (doc_id, [])
            docs.append(current)
            continue
        if current is None:
            raise BracketError(f"{where}: sentence outside a document (start one with '# pol-07')")
        current[1].append(parse_line(line, where))
    for doc_id, sentences in docs:
        if not sentences:
            raise BracketError(f"{path}: document {doc_id} has no sentences")
    return docs


def split_of(path: Path) -> str:
    if path.stem.endswith("_test"):
        return "test"
    if path.stem.endswith("_train"):
        return "train"
    raise BracketError(f"{path}: file name must end in _train.txt or _test.txt")


def read_all(paths: list[Path]) -> dict[str, list[Doc]]:
    out: dict[str, list[Doc]] = {"train": [], "test": []}
    seen: dict[str, Path] = {}
    for path in paths:
        for doc in read_file(path):
            if doc[0] in seen:
                raise BracketError(f"{path}: document {doc[0]} also in {seen[doc[0]]}")
            seen[doc[0]] = path
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


WEEKDAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
TITLES = ("Mr.", "Mrs.", "Ms.", "Dr.", "President")


def stats(docs: list[Doc]) -> list[tuple[str, str, str]]:
    """(figure, value, GMB reference) rows for the register and type mix of ``docs``."""
    sents = [s for _, ss in docs for s in ss]
    spans: list[tuple[str, list[str]]] = []
    for words, tags in sents:
        for i, tag in enumerate(tags):
            if tag.startswith("B-"):
                j = i + 1
                while j < len(tags) and tags[j] == "I-" + tag[2:]:
                    j += 1
                spans.append((tag[2:], words[i:j]))
    n_sent, n_ment = len(sents), len(spans)
    n_tok = sum(len(w) for w, _ in sents)
    kinds = {k: sum(1 for t, _ in spans if t == k) for k in TYPES}
    texts: dict[str, int] = defaultdict(int)
    for _, w in spans:
        texts[" ".join(w)] += 1
    top10 = sum(sorted(texts.values(), reverse=True)[:10])
    pers = [w for t, w in spans if t == "per"]
    weekdays = [(w, i) for w, _ in sents for i, x in enumerate(w) if x in WEEKDAYS]
    on_weekday = sum(1 for w, i in weekdays if i > 0 and w[i - 1] == "on")

    def share(n: int, d: int) -> str:
        return f"{100 * n / max(d, 1):.1f}%"

    def has(word: str) -> int:
        return sum(1 for w, _ in sents if word in w)

    def opening(words: list[str], tags: list[str]) -> tuple[str, ...]:
        """The first 5 items of a sentence, each entity span one item '<E>'."""
        items = [
            x.lower() if t == "O" else "<E>"
            for x, t in zip(words, tags, strict=True)
            if not t.startswith("I-")
        ]
        return tuple(items[:5])

    openings: dict[tuple[str, ...], int] = defaultdict(int)
    for words, tags in sents:
        openings[opening(words, tags)] += 1
    repeated = sum(n for n in openings.values() if n > 1)
    rows = [
        ("documents / sentences / mentions", f"{len(docs)} / {n_sent} / {n_ment}", ""),
        *[(f"mentions {k}", f"{kinds[k]} ({share(kinds[k], n_ment)})", "") for k in TYPES],
        ("org share", share(kinds["org"], n_ment), "18.0%"),
        ("gpe share", share(kinds["gpe"], n_ment), "14.2%"),
        (
            "art+eve+nat share",
            share(kinds["art"] + kinds["eve"] + kinds["nat"], n_ment),
            "0.8% (corpus <= 6%)",
        ),
        ("mentions per sentence", f"{n_ment / max(n_sent, 1):.2f}", "2.33"),
        ("top-10 entity strings' share", share(top10, n_ment), "14.1%"),
        (
            "top entity strings",
            ", ".join(f"{k} {v}" for k, v in sorted(texts.items(), key=lambda kv: -kv[1])[:10]),
            "",
        ),
        ("sentences with 'says'", share(has("says"), n_sent), "9.6%"),
        ("sentences with 'say'", share(has("say"), n_sent), "8.6%"),
        ("sentences with 'said'", share(has("said"), n_sent), "11.0%"),
        (
            "sentences with 'according to'",
            share(sum(1 for w, _ in sents if "according to" in " ".join(w)), n_sent),
            "0.14%",
        ),
        ("sentences with 'stated'", share(has("stated"), n_sent), "~0%"),
        ("weekdays preceded by 'on'", share(on_weekday, len(weekdays)), "12%"),
        (
            "semicolons per 10k tokens",
            f"{1e4 * sum(w.count(';') for w, _ in sents) / max(n_tok, 1):.1f}",
            "2.0",
        ),
        (
            "'Dr.' per 10k tokens",
            f"{1e4 * sum(w.count('Dr.') for w, _ in sents) / max(n_tok, 1):.1f}",
            "0.28",
        ),
        *[
            (f"person spans starting {t}", share(sum(1 for w in pers if w[0] == t), len(pers)), g)
            for t, g in zip(TITLES, ("18%", "", "1%", "0.2%", "14%"), strict=True)
        ],
        (
            "person spans of one word",
            share(sum(1 for w in pers if len(w) == 1), len(pers)),
            "26% (bare surname)",
        ),
        ("sentences whose 5-item opening repeats", share(repeated, n_sent), "2.5%"),
    ]
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
                docs = read_csv(Path("data") / f"news_ner_{split}.csv")
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
                print(f"{label:38s} {value:24s} {gmb}")
            return 0
        out = Path(argv[1])
        splits = read_all([Path(p) for p in argv[2:]])
        for split, docs in splits.items():
            write_csv(out / f"news_ner_{split}.csv", interleave(docs))
        return 0
    except BracketError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
