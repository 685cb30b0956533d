"""The course's diagrams, drawn with matplotlib: boxes, arrows and small grids.

A tool, not part of the ``helpers`` package the notebooks import: the notebooks only show the
PNGs it writes. Every PNG in ``nlp_images/`` comes from this script; ``python tools/diagrams.py``
(or ``make images``) redraws them all, ``--out DIR`` writes them elsewhere. Nothing is downloaded
and no external image is used. Output is deterministic: the same code and the same pinned matplotlib
give byte-identical files (no timestamps, no software tag in the PNG metadata). Figures are drawn
in inches (one data unit = one inch) on an Agg canvas, without touching pyplot's global state, so
importing this module from a notebook does not change its plotting backend.
Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from PIL import Image

# Run as a script (``python tools/diagrams.py``), this folder is on sys.path, not the repo root:
# put the root there so that the course's own tokenizer and alignment code can be imported.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from helpers.paths import IMAGES_DIR  # noqa: E402

DPI = 150
TEXT = "#222222"
MUTED = "#6b7280"
ARROW = "#4b5563"
# (face, edge) per role, shared by all figures so that a colour means the same thing everywhere
PALETTE: dict[str, tuple[str, str]] = {
    "input": ("#eef1f5", "#5b6770"),  # tokens, data
    "embed": ("#dbe9f6", "#2f6da3"),  # embeddings, segment A
    "segb": ("#fde2c8", "#c46a1a"),  # segment B
    "attn": ("#fde7cf", "#d9822b"),  # encoder / self-attention
    "ffn": ("#dff1e0", "#3b8b4a"),  # feed-forward / decoder
    "head": ("#ece3f5", "#7a4fa3"),  # task heads, outputs
    "hot": ("#f9dcdc", "#c0392b"),  # [MASK], the thing to look at
    "note": ("#fffbea", "#b59f3b"),  # side notes
    "plain": ("#ffffff", "#5b6770"),
    "ignore": ("#f0f0f0", "#b8b8b8"),  # -100, masked-out cells
}
STYLE = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "font.size": 11,
    "text.color": TEXT,
    "axes.edgecolor": "#5b6770",
    "xtick.color": TEXT,
    "ytick.color": TEXT,
}


# --------------------------------------------------------------------------------------------
# drawing primitives


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(STYLE):
        yield


def _canvas(width: float, height: float) -> tuple[Figure, object]:
    """A figure ``width`` × ``height`` inches whose single axes uses inches as data units."""
    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def _box(
    ax,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str = "",
    role: str = "input",
    fs: float = 11,
    weight: str = "normal",
    lw: float = 1.4,
    radius: float = 0.08,
    color: str = TEXT,
    z: float = 2,
) -> None:
    face, edge = PALETTE[role]
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={radius}",
            fc=face,
            ec=edge,
            lw=lw,
            zorder=z,
        )
    )
    if text:
        ax.text(
            x + w / 2,
            y + h / 2,
            text,
            ha="center",
            va="center",
            fontsize=fs,
            fontweight=weight,
            color=color,
            zorder=z + 0.5,
            linespacing=1.3,
        )


def _arrow(
    ax,
    start: tuple[float, float],
    end: tuple[float, float],
    rad: float = 0.0,
    color: str = ARROW,
    lw: float = 1.5,
    style: str = "-|>",
    scale: float = 14,
) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=scale,
            color=color,
            lw=lw,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
            zorder=1.5,
        )
    )


def _text(ax, x: float, y: float, s: str, fs: float = 11, **kw) -> None:
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    kw.setdefault("color", TEXT)
    kw.setdefault("linespacing", 1.3)
    ax.text(x, y, s, fontsize=fs, **kw)


def _save(fig: Figure, name: str, out_dir: Path | None) -> Path:
    """Render on Agg and write an RGB PNG with no text metadata (no date, no software tag).

    Dropping the always-opaque alpha channel keeps files ~10% smaller; the same pixels always
    give the same bytes, so reruns are byte-identical.
    """
    out = Path(out_dir) if out_dir is not None else IMAGES_DIR
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(
        path, format="PNG", compress_level=6, dpi=(DPI, DPI)
    )
    return path


# --------------------------------------------------------------------------------------------
# 1. BERT


def draw_bert(out_dir: Path | None = None) -> Path:
    """BERT for masked-language modelling, bottom to top: tokens → embeddings → encoder → MLM head.

    Taught in notebooks/01_concepts.ipynb.
    """
    tokens = ["[CLS]", "my", "dog", "is", "[MASK]", "cute", "[SEP]"]
    mask = tokens.index("[MASK]")
    width, height = 10.6, 11.2
    x0, col, bw = 2.45, 1.1, 0.94
    x1 = x0 + col * len(tokens)
    cx = [x0 + col * i + col / 2 for i in range(len(tokens))]
    with _style():
        fig, ax = _canvas(width, height)

        def label(y: float, s: str, fs: float = 10.5) -> None:
            _text(ax, 0.25, y, s, fs=fs, ha="left", color=MUTED)

        def row(y: float, h: float, texts: Sequence[str], role: str, fs: float = 11) -> None:
            for i, t in enumerate(texts):
                r = "hot" if i == mask and role in ("input", "head") else role
                _box(ax, cx[i] - bw / 2, y, bw, h, t, r, fs=fs)

        def arrows(y_from: float, y_to: float) -> None:
            for c in cx:
                _arrow(ax, (c, y_from), (c, y_to), scale=11, lw=1.2)

        # input and the three embeddings
        row(0.35, 0.46, tokens, "input", fs=10.5)
        label(0.58, "input tokens")
        arrows(0.81, 1.12)
        tok_emb = [rf"$E_{{\mathrm{{{t}}}}}$" for t in tokens]
        row(1.12, 0.44, tok_emb, "embed", fs=11)
        label(1.34, "token embedding")
        for c in cx:
            _text(ax, c, 1.72, "+", fs=13, fontweight="bold", color=MUTED)
        row(1.88, 0.44, [r"$E_A$"] * len(tokens), "embed", fs=11)
        label(2.10, "segment embedding\n(sentence A or B)")
        for c in cx:
            _text(ax, c, 2.48, "+", fs=13, fontweight="bold", color=MUTED)
        row(2.64, 0.44, [rf"$E_{i}$" for i in range(len(tokens))], "embed", fs=11)
        label(2.86, "position embedding")
        arrows(3.08, 3.42)
        _box(ax, x0 + 0.08, 3.42, x1 - x0 - 0.16, 0.5, "sum of the three  →  LayerNorm", "embed")
        label(3.67, "one vector per token\n(384-d in MiniLM,\n768-d in BERT-base)", fs=9.5)
        arrows(3.92, 4.34)

        # encoder stack
        ex, ew, ey, eh = x0 + 0.08, x1 - x0 - 0.16, 4.34, 2.75
        for k in (2, 1):
            _box(ax, ex + 0.09 * k, ey + 0.09 * k, ew, eh, "", "attn", lw=1.0, z=1.0 - 0.1 * k)
        _box(ax, ex, ey, ew, eh, "", "attn", z=1.2)
        _text(ax, ex + ew / 2, ey + eh - 0.3, "encoder layer", fs=12, fontweight="bold", zorder=3)
        ix, iw = ex + 0.45, ew - 0.9
        _box(
            ax,
            ix,
            ey + 0.28,
            iw,
            0.82,
            "multi-head self-attention\nevery token looks at every token  ·  + residual, LayerNorm",
            "plain",
            fs=10.5,
            z=2.2,
        )
        _arrow(ax, (ex + ew / 2, ey + 1.10), (ex + ew / 2, ey + 1.42))
        _box(
            ax,
            ix,
            ey + 1.42,
            iw,
            0.82,
            "feed-forward (dense → GELU → dense)\neach token on its own  ·  + residual, LayerNorm",
            "ffn",
            fs=10.5,
            z=2.2,
        )
        _text(ax, 1.25, ey + eh / 2 + 0.35, "N ×", fs=22, fontweight="bold", color="#d9822b")
        _text(
            ax,
            1.25,
            ey + eh / 2 - 0.45,
            "6 layers in\nMiniLM-L6,\n12 in BERT-base",
            fs=10,
            color=MUTED,
        )
        arrows(ey + eh + 0.18, 7.62)
        label(7.40, "contextual vectors", fs=10)

        # MLM head
        hy, hh = 7.62, 1.1
        _box(ax, x0 + 0.08, hy, x1 - x0 - 0.16, hh, "", "head")
        _text(
            ax,
            (x0 + x1) / 2,
            hy + hh - 0.2,
            "MLM head (the same at every position)",
            fs=10.5,
            fontweight="bold",
        )
        parts = ["dense", "GELU", "LayerNorm", "decoder\nhidden → 30,522"]
        widths = [1.2, 1.0, 1.45, 2.35]
        gap = (x1 - x0 - 0.6 - sum(widths)) / (len(parts) - 1)
        px = x0 + 0.3
        for i, (p, w) in enumerate(zip(parts, widths, strict=True)):
            _box(ax, px, hy + 0.12, w, 0.6, p, "plain", fs=10)
            if i < len(parts) - 1:
                _arrow(ax, (px + w + 0.05, hy + 0.42), (px + w + gap - 0.05, hy + 0.42), scale=11)
            px += w + gap
        label(hy + 0.55, "MLM head")
        arrows(hy + hh, 9.12)

        # logits, and what the loss compares them with at [MASK] (the hidden word)
        row(9.12, 0.5, ["30,522\nlogits"] * len(tokens), "head", fs=8.5)
        label(9.37, "logits over the\n30,522-word vocabulary,\nper position", fs=10)
        _arrow(ax, (cx[mask], 9.62), (cx[mask], 9.98))
        target = "target at [MASK]: 'very'"
        _box(ax, cx[mask] - 1.4, 9.98, 2.8, 0.52, target, "hot", fs=12, weight="bold")
        _text(
            ax,
            0.25,
            10.25,
            "training: the loss counts only the\nmasked positions (about 15% of tokens)",
            fs=10,
            ha="left",
            va="center",
            color=MUTED,
        )
        _text(ax, 0.25, 10.8, "BERT (masked-language model)", fs=13, fontweight="bold", ha="left")
        return _save(fig, "BERT.png", out_dir)


# --------------------------------------------------------------------------------------------
# 2. reinforcement learning


def draw_rl(out_dir: Path | None = None) -> Path:
    """The reinforcement-learning loop: agent → action → environment → reward, next state → agent.

    Taught in notebooks/01_concepts.ipynb.
    """
    with _style():
        fig, ax = _canvas(9.0, 5.4)
        _text(
            ax,
            0.3,
            5.05,
            "Reinforcement learning: learn a policy from reward",
            fs=13,
            fontweight="bold",
            ha="left",
        )
        _box(ax, 0.6, 2.1, 2.7, 1.3, "Agent\npolicy  π(action | state)", "attn", fs=12)
        _box(ax, 5.7, 2.1, 2.7, 1.3, "Environment\n(the world, a game, a user)", "ffn", fs=12)
        _arrow(ax, (2.4, 3.4), (6.6, 3.4), rad=-0.35, lw=2)
        _text(ax, 4.5, 4.42, r"action $a_t$", fs=12, fontweight="bold")
        _arrow(ax, (6.6, 2.1), (2.4, 2.1), rad=-0.35, lw=2)
        _text(ax, 4.5, 1.35, r"reward $r_{t+1}$  +  next state $s_{t+1}$", fs=12, fontweight="bold")
        _box(
            ax,
            0.6,
            0.2,
            7.8,
            0.75,
            "exploration vs exploitation: try a new action to learn more,\n"
            "or take the best-known one to collect reward",
            "note",
            fs=10.5,
        )
        return _save(fig, "RL.png", out_dir)


# --------------------------------------------------------------------------------------------
# 3. attention masks


def draw_attention_masks(out_dir: Path | None = None) -> Path:
    """Bidirectional (MLM, BERT) vs causal (CLM, GPT) attention masks for one sentence.

    Rows are query tokens, columns key tokens; a 1 means the row may attend to the column.
    Taught in notebooks/01_concepts.ipynb and notebooks/07_clm_vs_mlm.ipynb.
    """
    tokens = ["[CLS]", "my", "dog", "is", "very", "cute", "[SEP]"]
    n = len(tokens)
    full = [[1] * n for _ in range(n)]
    causal = [[1 if k <= q else 0 for k in range(n)] for q in range(n)]
    cmap = ListedColormap([PALETTE["ignore"][0], "#8fb8de"])
    panels = [
        (full, "Bidirectional (MLM / BERT)", "every token sees every token"),
        (causal, "Causal (CLM / GPT)", "a token sees itself and earlier tokens only"),
    ]
    with _style():
        fig = Figure(figsize=(11.0, 5.9), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        for j, (grid, title, sub) in enumerate(panels):
            ax = fig.add_axes((0.09 + 0.5 * j, 0.2, 0.37, 0.63))
            ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
            for q in range(n):
                for k in range(n):
                    ax.text(
                        k,
                        q,
                        str(grid[q][k]),
                        ha="center",
                        va="center",
                        fontsize=10,
                        color=TEXT if grid[q][k] else "#9a9a9a",
                    )
            ax.set_xticks(range(n), tokens, rotation=45, ha="right", fontsize=10)
            ax.set_yticks(range(n), tokens, fontsize=10)
            ax.set_xticks([i + 0.5 for i in range(n - 1)], minor=True)
            ax.set_yticks([i + 0.5 for i in range(n - 1)], minor=True)
            ax.grid(which="minor", color="white", lw=2)
            ax.tick_params(which="both", length=0)
            for s in ax.spines.values():
                s.set_visible(False)
            ax.set_xlabel("key token (attended to)", fontsize=10.5, color=MUTED)
            ax.set_ylabel("query token (attending)", fontsize=10.5, color=MUTED)
            ax.set_title(f"{title}\n{sub}", fontsize=12, fontweight="bold", pad=10)
        fig.text(
            0.5,
            0.955,
            "Attention masks for “my dog is very cute”: 1 = may attend, 0 = blocked",
            ha="center",
            va="center",
            fontsize=13,
        )
        return _save(fig, "attention_masks.png", out_dir)


# --------------------------------------------------------------------------------------------
# 4. model families


def draw_families(out_dir: Path | None = None) -> Path:
    """The three transformer families: encoder-only, decoder-only, encoder-decoder.

    Taught in notebooks/01_concepts.ipynb.
    """
    pw, gap = 4.1, 0.3
    with _style():
        fig, ax = _canvas(3 * pw + 4 * gap, 6.4)

        def tokens(x: float, y: float, texts: Sequence[str], role: str, w: float = 0.84) -> list:
            centres = []
            for i, t in enumerate(texts):
                bx = x + i * (w + 0.1)
                _box(ax, bx, y, w, 0.42, t, role, fs=9.5, radius=0.05)
                centres.append(bx + w / 2)
            return centres

        def panel(i: int, title: str, models: str, good: str, eg: str) -> float:
            x = gap + i * (pw + gap)
            _box(ax, x, 0.2, pw, 6.0, "", "plain", lw=1.0, radius=0.15, z=0.5)
            _text(ax, x + pw / 2, 5.8, title, fs=14, fontweight="bold")
            _text(ax, x + pw / 2, 5.42, models, fs=10.5, color=MUTED)
            _text(ax, x + pw / 2, 1.2, good, fs=12, fontweight="bold")
            _text(ax, x + pw / 2, 0.7, eg, fs=10)
            return x

        # encoder-only
        x = panel(
            0, "Encoder-only", "BERT, RoBERTa, MiniLM", "understanding", "e.g. NER, classification"
        )
        row_x = x + (pw - (4 * 0.84 + 3 * 0.1)) / 2
        ins = tokens(row_x, 1.85, ["jim", "lives", "in", "accra"], "input")
        _box(
            ax, row_x, 2.75, 3.66, 1.1, "encoder × N\nbidirectional self-attention", "attn", fs=10.5
        )
        outs = tokens(row_x, 4.2, ["B-per", "O", "O", "B-geo"], "head")
        for c in ins:
            _arrow(ax, (c, 2.27), (c, 2.75), scale=10, lw=1.1)
        for c in outs:
            _arrow(ax, (c, 3.85), (c, 4.2), scale=10, lw=1.1)
        _text(ax, x + pw / 2, 4.92, "one label per token", fs=9.5, color=MUTED)

        # decoder-only
        x = panel(1, "Decoder-only", "GPT-2, GPT-3, Llama", "generation", "e.g. completion, chat")
        ins = tokens(row_x + pw + gap, 1.85, ["the", "cat", "sat", "on"], "input")
        _box(
            ax,
            row_x + pw + gap,
            2.75,
            3.66,
            1.1,
            "decoder × N\ncausal self-attention",
            "ffn",
            fs=10.5,
        )
        outs = tokens(row_x + pw + gap, 4.2, ["cat", "sat", "on", "the"], "head")
        for c in ins:
            _arrow(ax, (c, 2.27), (c, 2.75), scale=10, lw=1.1)
        for c in outs:
            _arrow(ax, (c, 3.85), (c, 4.2), scale=10, lw=1.1)
        _text(ax, x + pw / 2, 4.92, "predict the next token", fs=9.5, color=MUTED)

        # encoder-decoder
        x = panel(
            2, "Encoder-decoder", "T5, BART", "text-to-text", "e.g. translation, summarisation"
        )
        bw = 1.5
        ex, dx = x + 0.2, x + pw - 0.2 - bw
        ins = tokens(ex, 1.85, ["the", "house"], "input", w=0.7)
        _box(ax, ex, 2.75, bw, 1.1, "encoder\n× N", "attn", fs=10.5)
        dins = tokens(dx, 1.85, ["<s>", "das"], "input", w=0.7)
        _box(ax, dx, 2.75, bw, 1.1, "decoder\n× N", "ffn", fs=10.5)
        outs = tokens(dx, 4.2, ["das", "Haus"], "head", w=0.7)
        for c in ins + dins:
            _arrow(ax, (c, 2.27), (c, 2.75), scale=10, lw=1.1)
        for c in outs:
            _arrow(ax, (c, 3.85), (c, 4.2), scale=10, lw=1.1)
        _arrow(ax, (ex + bw, 3.3), (dx, 3.3), lw=1.8)
        _text(ax, (ex + bw + dx) / 2, 3.42, "cross-\nattention", fs=8, color=MUTED, va="bottom")
        _text(ax, ex + bw / 2, 4.42, "reads the input", fs=9.5, color=MUTED)
        _text(ax, x + pw / 2, 4.92, "writes the output, token by token", fs=9.5, color=MUTED)
        return _save(fig, "families.png", out_dir)


# --------------------------------------------------------------------------------------------
# 5. next sentence prediction


def draw_nsp(out_dir: Path | None = None) -> Path:
    """Next sentence prediction: a sentence pair, segment ids, and a classifier on [CLS].

    Taught in notebooks/01_concepts.ipynb and notebooks/06_nsp.ipynb.
    """
    a = ["the", "man", "went", "to", "the", "store"]
    b = ["he", "bought", "milk"]
    tokens = ["[CLS]", *a, "[SEP]", *b, "[SEP]"]
    seg = ["A"] * (len(a) + 2) + ["B"] * (len(b) + 1)
    x0, col, bw = 2.15, 0.86, 0.78
    cx = [x0 + col * i + col / 2 for i in range(len(tokens))]
    x1 = x0 + col * len(tokens)
    with _style():
        fig, ax = _canvas(x1 + 0.3, 6.5)

        def label(y: float, s: str, fs: float = 10.5) -> None:
            _text(ax, 0.25, y, s, fs=fs, ha="left", color=MUTED)

        for i, (t, s) in enumerate(zip(tokens, seg, strict=True)):
            role = "embed" if s == "A" else "segb"
            _box(ax, cx[i] - bw / 2, 0.3, bw, 0.42, s, role, fs=10.5, radius=0.05)
            _box(ax, cx[i] - bw / 2, 0.95, bw, 0.46, t, role, fs=9.5 if "[" in t else 10.5)
            _arrow(ax, (cx[i], 1.41), (cx[i], 1.8), scale=10, lw=1.1)
        label(0.51, "segment ids\n(token_type_ids:\nA = 0, B = 1)", fs=9.5)
        label(1.18, "tokens")
        _box(
            ax,
            x0 + 0.05,
            1.8,
            x1 - x0 - 0.1,
            0.8,
            "BERT encoder (embeddings + N layers)",
            "attn",
            fs=12,
            weight="bold",
        )
        for i in range(len(tokens)):
            _arrow(ax, (cx[i], 2.6), (cx[i], 2.95), scale=10, lw=1.1)
            if i == 0:
                _box(ax, cx[i] - bw / 2, 2.95, bw, 0.46, "C", "hot", fs=11, weight="bold")
            else:
                _box(
                    ax,
                    cx[i] - bw / 2,
                    2.95,
                    bw,
                    0.46,
                    rf"$T_{{{i}}}$",
                    "ignore",
                    fs=10,
                    color=MUTED,
                )
        label(3.18, "output vectors")
        _arrow(ax, (cx[0], 3.41), (cx[0], 3.9))
        _box(ax, cx[0] - 0.7, 3.9, 1.9, 0.7, "classifier\n(dense → 2 logits)", "head", fs=10)
        label(4.25, "NSP head\n(on [CLS] only)")
        _arrow(ax, (cx[0] - 0.2, 4.6), (cx[0] - 0.4, 5.15))
        _arrow(ax, (cx[0] + 0.6, 4.6), (cx[0] + 0.95, 5.15))
        _box(ax, cx[0] - 1.05, 5.15, 1.15, 0.5, "IsNext", "ffn", fs=11, weight="bold")
        _box(ax, cx[0] + 0.35, 5.15, 1.35, 0.5, "NotNext", "hot", fs=11, weight="bold")
        _text(ax, 0.25, 6.15, "Next sentence prediction (NSP)", fs=13, fontweight="bold", ha="left")
        nx = cx[4] - 0.2
        _box(ax, nx, 4.3, x1 - nx - 0.05, 1.65, "", "note", z=1)
        _text(
            ax, nx + 0.2, 5.65, "How training pairs are built", fs=11, fontweight="bold", ha="left"
        )
        _text(
            ax,
            nx + 0.2,
            4.88,
            "50%:  B is the real next sentence  →  IsNext\n"
            "        A: the man went to the store   B: he bought milk\n"
            "50%:  B is a random corpus sentence  →  NotNext\n"
            "        A: the man went to the store   B: penguins are flightless",
            fs=10,
            ha="left",
            linespacing=1.55,
        )
        return _save(fig, "nsp.png", out_dir)


# --------------------------------------------------------------------------------------------
# 6. pseudo-labelling


def draw_pseudo_labelling(out_dir: Path | None = None) -> Path:
    """The pseudo-labelling loop: train a teacher, label unlabelled data, keep confident labels.

    Taught in notebooks/01_concepts.ipynb and notebooks/08_pseudo_labelling.ipynb.
    """
    w, h = 3.0, 1.0
    xs = [0.4, 4.0, 7.6]
    top, bot = 4.0, 1.3
    with _style():
        fig, ax = _canvas(11.0, 6.7)
        _text(ax, 0.4, 6.25, "Pseudo-labelling", fs=13, fontweight="bold", ha="left")
        _text(
            ax,
            0.4,
            5.85,
            "a model labels data for its own next round",
            fs=10.5,
            ha="left",
            color=MUTED,
        )
        _box(ax, xs[0], top, w, h, "labelled data\n(words + gold tags)", "embed", fs=11)
        _box(ax, xs[1], top, w, h, "train the\nteacher model", "attn", fs=11, weight="bold")
        _box(ax, xs[2], top, w, h, "predict tags for\nthe unlabelled data", "head", fs=11)
        _box(ax, xs[2] + 0.3, 5.55, w - 0.6, 0.65, "unlabelled sentences", "input", fs=10.5)
        _box(
            ax,
            xs[2],
            bot,
            w,
            h,
            "keep predictions with\nconfidence ≥ threshold\n(e.g. 0.9)",
            "hot",
            fs=10.5,
        )
        _box(ax, xs[1], bot, w, h, "pseudo-labelled data\n(words + predicted tags)", "segb", fs=11)
        _box(
            ax,
            xs[0],
            bot,
            w,
            h,
            "add to the labelled data\n(labelled + pseudo-labelled)",
            "embed",
            fs=10.5,
        )
        mid_t, mid_b = top + h / 2, bot + h / 2
        _arrow(ax, (xs[0] + w, mid_t), (xs[1], mid_t), lw=1.8)
        _arrow(ax, (xs[1] + w, mid_t), (xs[2], mid_t), lw=1.8)
        _arrow(ax, (xs[2] + w / 2, 5.55), (xs[2] + w / 2, top + h), lw=1.8)
        _arrow(ax, (xs[2] + w / 2, top), (xs[2] + w / 2, bot + h), lw=1.8)
        _arrow(ax, (xs[2], mid_b), (xs[1] + w, mid_b), lw=1.8)
        _arrow(ax, (xs[1], mid_b), (xs[0] + w, mid_b), lw=1.8)
        _arrow(ax, (xs[0] + w / 2, bot + h), (xs[0] + w / 2, top), lw=1.8)
        _text(
            ax,
            xs[0] + w / 2 + 0.15,
            (top + bot + h) / 2,
            "retrain,\niterate",
            fs=10.5,
            fontweight="bold",
            ha="left",
            color="#2f6da3",
        )
        _text(
            ax,
            xs[2] + w / 2 + 0.15,
            (top + bot + h) / 2,
            "scores per\nprediction",
            fs=10,
            ha="left",
            color=MUTED,
        )
        _arrow(ax, (xs[2] + w / 2, bot), (xs[2] + w / 2, 0.55), color="#9a9a9a", lw=1.3)
        _text(ax, xs[2] + w / 2, 0.35, "below threshold: left unlabelled", fs=10, color=MUTED)
        _text(
            ax,
            xs[0],
            0.45,
            "A too-low threshold feeds the model its own mistakes.",
            fs=10,
            ha="left",
            color=MUTED,
        )
        return _save(fig, "pseudo_labelling.png", out_dir)


# --------------------------------------------------------------------------------------------
# 7. subword alignment

ALIGN_WORDS = ("Mbeki", "visited", "Accra", "on", "Saturday")
ALIGN_TAGS = ("B-per", "O", "B-geo", "O", "B-tim")


@lru_cache(maxsize=1)
def alignment_example() -> dict:
    """Tokens, word ids and aligned labels of the example sentence, computed with the course's code.

    Uses the packaged tokenizer (bert-base-uncased vocabulary) and
    :func:`helpers.alignment.align_labels`, so the figure shows what the notebooks really get.
    """
    from helpers.alignment import IGNORE, align_labels, b_to_i_map
    from helpers.labels import GMB_TYPES, label_maps, labels_for_types
    from helpers.models import load_tokenizer

    tok = load_tokenizer()
    enc = tok(list(ALIGN_WORDS), is_split_into_words=True)
    label2id, id2label = label_maps(labels_for_types(GMB_TYPES))
    word_ids = enc.word_ids()
    ids = [label2id[t] for t in ALIGN_TAGS]
    out = {
        "tokens": tok.convert_ids_to_tokens(enc["input_ids"]),
        "word_ids": word_ids,
        "ignore": IGNORE,
        "id2label": id2label,
    }
    for s in ("first", "all"):
        out[s] = align_labels(word_ids, ids, s, b_to_i_map(label2id))
    return out


def draw_alignment(out_dir: Path | None = None) -> Path:
    """Word labels → WordPiece-token labels under the strategies "first" and "all".

    Tokens and labels are computed live with the packaged tokenizer and
    :func:`helpers.alignment.align_labels`. Taught in notebooks/03_subword_alignment.ipynb.
    """
    ex = alignment_example()
    tokens, word_ids, ignore, id2label = ex["tokens"], ex["word_ids"], ex["ignore"], ex["id2label"]
    n = len(tokens)
    x0, col, bw = 2.75, 1.08, 0.98
    cx = [x0 + col * i + col / 2 for i in range(n)]
    x1 = x0 + col * n
    rows = {"words": 4.75, "tokens": 3.55, "wids": 2.85, "first": 2.0, "all": 1.15}
    ch = 0.5
    with _style():
        fig, ax = _canvas(x1 + 0.3, 6.5)
        _text(
            ax,
            0.25,
            6.15,
            "Subword alignment: one label per word → one label per token",
            fs=13,
            fontweight="bold",
            ha="left",
        )
        _text(
            ax,
            0.25,
            5.8,
            "tokens from the course's tokenizer (bert-base-uncased vocabulary), "
            "labels from helpers.alignment.align_labels",
            fs=10,
            ha="left",
            color=MUTED,
        )

        def label(key: str, s: str, dy: float = ch / 2) -> None:
            _text(ax, 0.25, rows[key] + dy, s, fs=10.5, ha="left", color=MUTED)

        # words spanning their subword columns, with their BIO tags
        for w, (word, tag) in enumerate(zip(ALIGN_WORDS, ALIGN_TAGS, strict=True)):
            cols = [i for i, wid in enumerate(word_ids) if wid == w]
            left, right = cx[cols[0]] - bw / 2, cx[cols[-1]] + bw / 2
            role = "plain" if tag == "O" else "embed"
            _box(ax, left, rows["words"], right - left, 0.75, "", role)
            _text(ax, (left + right) / 2, rows["words"] + 0.5, word, fs=11.5, fontweight="bold")
            _text(
                ax,
                (left + right) / 2,
                rows["words"] + 0.2,
                tag,
                fs=10,
                color="#2f6da3" if tag != "O" else MUTED,
            )
            for c in cols:
                _arrow(
                    ax,
                    ((left + right) / 2, rows["words"]),
                    (cx[c], rows["tokens"] + ch),
                    style="-",
                    lw=1.0,
                    color="#9aa3ad",
                )
        label("words", "words + BIO tags", 0.375)

        for i, (t, wid) in enumerate(zip(tokens, word_ids, strict=True)):
            special = wid is None
            cont = t.startswith("##")
            role = "ignore" if special else ("segb" if cont else "input")
            _box(
                ax,
                cx[i] - bw / 2,
                rows["tokens"],
                bw,
                ch,
                t,
                role,
                fs=10.5,
                color=MUTED if special else TEXT,
            )
            _text(
                ax,
                cx[i],
                rows["wids"] + ch / 2,
                "None" if special else str(wid),
                fs=10.5,
                color=MUTED if special else TEXT,
                family="DejaVu Sans Mono",
            )
            for s in ("first", "all"):
                lab = ex[s][i]
                if lab == ignore:
                    _box(
                        ax,
                        cx[i] - bw / 2,
                        rows[s],
                        bw,
                        ch,
                        str(ignore),
                        "ignore",
                        fs=10,
                        color="#8a8a8a",
                    )
                    continue
                name = id2label[lab]
                changed = s == "all" and cont
                role = "hot" if changed else ("plain" if name == "O" else "embed")
                _box(ax, cx[i] - bw / 2, rows[s], bw, ch, "", role, lw=2.0 if changed else 1.4)
                _text(ax, cx[i], rows[s] + 0.32, name, fs=10, fontweight="bold")
                _text(ax, cx[i], rows[s] + 0.12, f"id {lab}", fs=7.5, color=MUTED)
        label("tokens", "WordPiece tokens")
        label("wids", "word_ids()")
        label("first", 'labels, strategy="first"')
        label("all", 'labels, strategy="all"')
        _text(
            ax,
            0.25,
            0.5,
            "-100 is skipped by the loss (cross-entropy's ignore_index): special tokens always; "
            'continuation subwords under "first".\n'
            'Under "all" a continuation of B-x becomes I-x (red), so the entity stays one span.',
            fs=9.5,
            ha="left",
            color=MUTED,
            linespacing=1.45,
        )
        return _save(fig, "alignment.png", out_dir)


# --------------------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Path | None], Path]] = {
    "BERT.png": draw_bert,
    "RL.png": draw_rl,
    "attention_masks.png": draw_attention_masks,
    "families.png": draw_families,
    "nsp.png": draw_nsp,
    "pseudo_labelling.png": draw_pseudo_labelling,
    "alignment.png": draw_alignment,
}


def draw_all(out_dir: Path | None = None) -> list[Path]:
    """Draw every figure into ``out_dir`` (default ``nlp_images/``) and return the paths written.

    Taught in notebooks/01_concepts.ipynb.
    """
    return [draw(out_dir) for draw in FIGURES.values()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python tools/diagrams.py", description="Redraw the course's diagrams."
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default: {IMAGES_DIR})"
    )
    args = parser.parse_args(argv)
    for path in draw_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
