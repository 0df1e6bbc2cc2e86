"""The layout lint of the paper's body prose: a sentence states its finding with one decisive number, the tables carry
the intervals. A sentence of the body (the sections main.tex inputs, not the supplement) that prints more than
MAX_INTERVALS intervals reads as a table read aloud and is refused, naming its file and line.

An interval is what the prose prints with \\diff{id} or \\diffadj{id} (a mean and its bracketed interval, from
generated/claims.tex), or a bracketed pair of numbers typed in the text ("[+1.2, +3.4]"). Parsed from the LaTeX
sources alone (no TeX run), so the check is fast and runs before LaTeX in the build and in the fast tests.
"""
from __future__ import annotations

import re
from pathlib import Path

MAX_INTERVALS = 2
INTERVAL_MACRO = re.compile(r"\\diff(?:adj)?\{")
# A typed interval: [a, b] with two signed numbers (math dollars and \textminus-style minus allowed).
TYPED_INTERVAL = re.compile(r"\[\s*\$?[+\-\u2212]?\$?\s*\d[\d.,]*\$?\s*,\s*\$?[+\-\u2212]?\$?\s*\d[\d.]*\$?\s*\]")
# Full stops that end no sentence: abbreviations before a reference or a number.
ABBREVIATIONS = re.compile(r"\b(Fig|Figs|Tab|Sec|Eq|Eqs|e\.g|i\.e|cf|vs|et al|resp|approx|No)\.", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s+|$)(?=[A-Z\\$(]|$)|\n\s*\n")
FLOAT_ENV = re.compile(r"\\begin\{(figure|table)\*?\}.*?\\end\{\1\*?\}", re.DOTALL)


def body_sources(paper_dir: Path) -> dict[str, str]:
    """The hand-written sections main.tex inputs, in order, by path relative to the paper directory."""
    paper_dir = Path(paper_dir)
    main = _uncommented((paper_dir / "main.tex").read_text())
    out = {}
    for name in re.findall(r"\\input\{(sections/[^}]+)\}", main):
        path = paper_dir / (name if name.endswith(".tex") else f"{name}.tex")
        if path.exists():
            out[str(path.relative_to(paper_dir))] = path.read_text()
    return out


def sentences(text: str) -> list[tuple[int, str]]:
    """The prose's sentences with the line each starts on: comments and floats (their captions describe a table,
    not a finding) blanked out with their line breaks kept, abbreviations' full stops not taken as ends."""
    text = FLOAT_ENV.sub(lambda m: "\n" * m.group(0).count("\n"), _uncommented(text))
    guarded = ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + "\0", text)
    out, start = [], 0
    for m in SENTENCE_END.finditer(guarded):
        piece = guarded[start:m.start()]
        if piece.strip():
            out.append((guarded.count("\n", 0, start) + 1 + _leading_newlines(piece), piece.replace("\0", ".").strip()))
        start = m.end()
    if guarded[start:].strip():
        piece = guarded[start:]
        out.append((guarded.count("\n", 0, start) + 1 + _leading_newlines(piece), piece.replace("\0", ".").strip()))
    return out


def interval_count(sentence: str) -> int:
    return len(INTERVAL_MACRO.findall(sentence)) + len(TYPED_INTERVAL.findall(sentence))


def crowded_sentences(texts: dict[str, str], limit: int = MAX_INTERVALS) -> list[str]:
    """One line per sentence that prints more than `limit` intervals."""
    problems = []
    for source, text in texts.items():
        for line, sentence in sentences(text):
            count = interval_count(sentence)
            if count > limit:
                short = " ".join(sentence.split())
                short = short if len(short) <= 90 else short[:87] + "..."
                problems.append(f"{source}:{line}: a sentence prints {count} intervals (at most {limit}: state the "
                                f"finding with one decisive number, the table carries the intervals): '{short}'")
    return problems


def _leading_newlines(piece: str) -> int:
    return len(piece) - len(piece.lstrip("\n")) if piece.startswith("\n") else \
        piece[:len(piece) - len(piece.lstrip())].count("\n")


def _uncommented(text: str) -> str:
    """LaTeX without its comments (an unescaped % to the end of the line), line structure kept."""
    return "\n".join(re.sub(r"(?<!\\)%.*", "", line) for line in text.split("\n"))
