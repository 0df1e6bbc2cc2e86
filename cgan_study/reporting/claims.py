"""Checked claims: the paper's prose states directions in words, the build checks each against its interval.

The prose (paper/sections/*.tex) is written by people. Where it says that one arm is better or worse than another,
or that two cannot be told apart, it wraps the words in a claim macro naming the comparison and the verdict it
asserts:

    \\claim{fewshot/mix/cgan/lowdata/k10}{worse}{costs \\diff{fewshot/mix/cgan/lowdata/k10} points}

LaTeX prints only the third argument. Before LaTeX runs, `check_claims` computes every comparison's verdict from
its paired 95% interval (each sweep module declares its comparisons; `cgan_study.sweeps.comparisons` collects
them) and refuses the build, naming the claim, the asserted verdict and the
measured interval, when they disagree: so the text cannot silently go false when the results change.
A directional word outside a claim is refused too (`unclaimed_directions`).

Verdicts follow multiplicity.py: a comparison in a family (one table at one k, every arm against one reference)
is read from its Bonferroni-adjusted interval, one outside any family from its 95% interval (m = 1).
better (the interval lies on the good side of 0: above for accuracy, below for FID), worse (the bad side),
equivalent (two one-sided tests at the family's level place the difference within the margin fixed in advance:
the only verdict the prose may write as "no effect"), inconclusive (neither: the two cannot be told apart, which
is not evidence that they are equal). A claim of "equivalent" (or "no effect") for an inconclusive comparison is
refused. Convergence checks have their own: converged / not converged.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cgan_study.reporting.labels import interval_bounds, signed
from cgan_study.reporting.multiplicity import EQUIVALENT as FAMILY_EQUIVALENT
from cgan_study.reporting.multiplicity import family_table, few_shot_margin

BETTER, WORSE, EQUIVALENT, INCONCLUSIVE = "better", "worse", "equivalent", "inconclusive"
CONVERGED, NOT_CONVERGED = "converged", "not converged"
VERDICTS = (BETTER, WORSE, EQUIVALENT, INCONCLUSIVE, CONVERGED, NOT_CONVERGED)
ALIASES = {"no effect": EQUIVALENT}   # what the prose may call an equivalence
RETIRED = {"tied": "'inconclusive' (the interval contains 0: cannot be told apart) or 'equivalent' (within the "
                   "margin fixed in advance: no effect)"}
# Words that state a direction; in the prose they may stand only inside a claim's text.
DIRECTIONAL = re.compile(r"\b(helps?|helped|helping|hurts?|hurting|improves?|improved|improving|improvements?|"
                         r"better|worse|worsens?|outperforms?|outperformed|beats?|beaten|degrades?|degraded|"
                         r"surpass(?:es)?|superior|inferior)\b", re.IGNORECASE)
CLAIM = re.compile(r"\\claim\{([^{}]*)\}\{([^{}]*)\}")


@dataclass(frozen=True)
class Comparison:
    """A paired difference (arm minus reference, in the metric's own units), its 95% interval (what \\diff prints)
    and, in a family of m, the Bonferroni-adjusted interval its direction is read from and whether two one-sided
    tests at the family's level place it within the margin (`equivalent`)."""
    id: str
    mean: float
    low: float
    high: float
    n: int
    scale: float = 100.0            # shown in points for accuracies, as is for FID
    lower_is_better: bool = False
    converged: bool | None = None   # set only for the budget check's doubling comparisons
    low_adjusted: float | None = None   # None: no family (m = 1), the 95% interval decides
    high_adjusted: float | None = None
    m: int = 1
    equivalent: bool = False        # TOST passed at 0.05 / m against the margin (never without a margin)

    @property
    def decides(self) -> tuple[float, float]:
        """The interval the verdict reads: the adjusted one in a family, else the 95% one."""
        if self.low_adjusted is None or self.high_adjusted is None:
            return self.low, self.high
        return self.low_adjusted, self.high_adjusted

    @property
    def verdict(self) -> str | None:
        if self.converged is not None:
            return CONVERGED if self.converged else NOT_CONVERGED
        low, high = self.decides
        if self.n < 2 or not (math.isfinite(low) and math.isfinite(high)):
            return None
        if low > 0:
            return WORSE if self.lower_is_better else BETTER
        if high < 0:
            return BETTER if self.lower_is_better else WORSE
        return EQUIVALENT if self.equivalent else INCONCLUSIVE

    def text(self) -> str:
        lo, hi = interval_bounds(self.scale * self.low, self.scale * self.high)
        shown = f"{signed(self.scale * self.mean)} [{lo}, {hi}] (n={self.n})"
        if self.low_adjusted is None or self.high_adjusted is None:
            return shown
        low, high = self.decides
        lo, hi = interval_bounds(self.scale * low, self.scale * high)
        return f"{shown}, adjusted over m={self.m}: [{lo}, {hi}]"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", str(text).lower()).strip("-")


def setting_id(strategy: str, generator, protocol) -> str:
    """The id part of one augmentation setting: mix/cgan/lowdata, or the strategy alone (real, affine)."""
    if isinstance(generator, str) and generator:
        return f"{strategy}/{generator}/{str(protocol).replace('_', '')}"
    return strategy


def comparison(cid: str, row, **kw) -> Comparison:
    """A comparison from a row of a paired table (mean_diff, low, high, n); a row of a family
    (multiplicity.family_table) also carries its adjusted interval and equivalence, which then decide."""
    if "low_adjusted" in row and "m" in row and row["m"] == row["m"] and int(row["m"]) > 0:
        kw = {"low_adjusted": float(row["low_adjusted"]), "high_adjusted": float(row["high_adjusted"]),
              "m": int(row["m"]), "equivalent": row["verdict"] == FAMILY_EQUIVALENT, **kw}
    return Comparison(cid, float(row["mean_diff"]), float(row["low"]), float(row["high"]),
                      int(row.get("n", row.get("n_pairs", 0))), **kw)


def claims_from(tables: dict[str, pd.DataFrame], name: str, id_of, **kw) -> dict[str, Comparison]:
    """One comparison per row of a report table, under the id `id_of(row)` (a sweep module's declared ids)."""
    return {cid: comparison(cid, r, **kw) for r in rows(tables, name) for cid in (id_of(r),)}


def family(diffs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A comparison table of the claims' own (no report table shows it) as a family, with the margin fixed for k."""
    if diffs.empty:
        return diffs
    return family_table(diffs.assign(margin=[few_shot_margin(k) for k in diffs["k"]]), keys, label="strategy")


def rows(tables: dict[str, pd.DataFrame], name: str):
    """The rows of one report table, or none where the sweep has not run (so its claims are simply absent)."""
    frame = tables.get(name)
    return [] if frame is None or frame.empty else [r for _, r in frame.iterrows()]


@dataclass(frozen=True)
class Claim:
    id: str
    asserted: str
    where: str          # file:line


def claims_in(text: str, source: str = "") -> list[Claim]:
    found = []
    for m in CLAIM.finditer(_uncommented(text)):
        line = text.count("\n", 0, m.start()) + 1
        found.append(Claim(m.group(1).strip(), m.group(2).strip(), f"{source}:{line}"))
    return found


def check_claims(texts: dict[str, str], comps: dict[str, Comparison]) -> list[str]:
    """One line per claim the results do not support (unknown comparison, unknown verdict, other verdict)."""
    problems = []
    for source, text in texts.items():
        for c in claims_in(text, source):
            asserted = ALIASES.get(c.asserted, c.asserted)
            if c.asserted in RETIRED:
                problems.append(f"{c.where}: claim '{c.id}' asserts '{c.asserted}', a retired verdict; assert "
                                f"{RETIRED[c.asserted]}")
                continue
            if asserted not in VERDICTS:
                problems.append(f"{c.where}: claim '{c.id}' asserts '{c.asserted}'; a verdict is one of "
                                f"{', '.join(VERDICTS)}")
                continue
            comp = comps.get(c.id)
            if comp is None:
                close = [k for k in comps if k.split("/")[0] == c.id.split("/")[0]][:3]
                problems.append(f"{c.where}: claim '{c.id}' names no comparison in the results"
                                + (f" (e.g. {', '.join(close)})" if close else ""))
            elif comp.verdict is None:
                problems.append(f"{c.where}: claim '{c.id}' asserts '{c.asserted}' but the comparison has no "
                                f"interval (n={comp.n}): state it as exploratory, without a claim")
            elif comp.verdict != asserted and asserted == EQUIVALENT and comp.verdict == INCONCLUSIVE:
                problems.append(f"{c.where}: claim '{c.id}' asserts '{c.asserted}' but the comparison is "
                                f"inconclusive: {comp.text()}; an interval over 0 is no evidence of no effect, only "
                                "one within the margin is (say 'cannot be told apart', asserting 'inconclusive')")
            elif comp.verdict != asserted:
                problems.append(f"{c.where}: claim '{c.id}' asserts '{c.asserted}' but the results say "
                                f"'{comp.verdict}': {comp.text()}")
    return problems


def _uncommented(text: str) -> str:
    """LaTeX without its comments (an unescaped % to the end of the line), line structure kept."""
    return "\n".join(re.sub(r"(?<!\\)%.*", "", line) for line in text.split("\n"))


def _strip_claims(text: str) -> str:
    """The text with every \\claim{..}{..}{...} removed (the third argument's braces balanced)."""
    out, i = [], 0
    for m in CLAIM.finditer(text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        j = m.end()
        if j < len(text) and text[j] == "{":
            depth = 0
            while j < len(text):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
        i = j
    out.append(text[i:])
    return "".join(out)


def unclaimed_directions(text: str, source: str = "") -> list[str]:
    """Directional words outside a claim's text: one line each."""
    clean = _strip_claims(_uncommented(text))
    return [f"{source}:{clean.count(chr(10), 0, m.start()) + 1}: '{m.group(0)}' states a direction outside "
            "\\claim{comparison}{verdict}{text}" for m in DIRECTIONAL.finditer(clean)]


def claims_tex(comps: dict[str, Comparison], strict: bool = True) -> str:
    """\\claim prints its text; \\diff{id} (95% interval), \\diffadj{id} (the interval the verdict reads) and
    \\diffmean{id} print a comparison's numbers, \\diffsize{id} its mean's size without a sign ("trails by 8.79").
    An unknown id stops LaTeX with its name, or (not `strict`: results the prose was not written for) prints a dash."""
    missing = ("\\PackageError{claims}{no comparison '#1' in the results}{}" if strict else "--")
    lines = ["% Claims and their numbers: generated by python -m experiments.report from results/; do not edit.",
             "% The build has already checked every \\claim's verdict against these intervals (reporting/claims.py).",
             "\\newcommand{\\claim}[3]{#3}",
             "\\newcommand{\\cmpvalue}[2]{\\ifcsname cmp@#1@#2\\endcsname\\csname cmp@#1@#2\\endcsname\\else"
             f"{missing}\\fi}}",
             "\\newcommand{\\diff}[1]{\\cmpvalue{#1}{diff}}",
             "\\newcommand{\\diffmean}[1]{\\cmpvalue{#1}{mean}}",
             "\\newcommand{\\diffsize}[1]{\\cmpvalue{#1}{size}}",
             # The interval the verdict reads (adjusted within the comparison's family; the 95% one outside any).
             "\\newcommand{\\diffadj}[1]{\\cmpvalue{#1}{adj}}"]
    for cid in sorted(comps):
        c = comps[cid]
        mean = _math(signed(c.scale * c.mean))
        lines.append(f"\\expandafter\\def\\csname cmp@{cid}@mean\\endcsname{{{mean}}}")
        size = _math(signed(c.scale * abs(c.mean)).lstrip("+"))
        lines.append(f"\\expandafter\\def\\csname cmp@{cid}@size\\endcsname{{{size}}}")
        if c.n >= 2 and math.isfinite(c.low):
            lo, hi = map(_math, interval_bounds(c.scale * c.low, c.scale * c.high))
            lines.append(f"\\expandafter\\def\\csname cmp@{cid}@diff\\endcsname{{\\mbox{{{mean} [{lo}, {hi}]}}}}")
            low, high = c.decides
            if math.isfinite(low) and math.isfinite(high):
                lo, hi = map(_math, interval_bounds(c.scale * low, c.scale * high))
                lines.append(f"\\expandafter\\def\\csname cmp@{cid}@adj\\endcsname{{\\mbox{{{mean} [{lo}, {hi}]}}}}")
        else:
            lines.append(f"\\expandafter\\def\\csname cmp@{cid}@diff\\endcsname{{\\mbox{{{mean} (one seed)}}}}")
    return "\n".join(lines) + "\n"


def _math(number: str) -> str:
    return f"${number}$"   # a math minus, kept with its digits


def paper_texts(paper_dir: Path) -> dict[str, str]:
    """The hand-written LaTeX of the paper and the supplement, by path relative to the paper directory."""
    paper_dir = Path(paper_dir)
    files = [p for p in (paper_dir / "main.tex", paper_dir / "supplement.tex") if p.exists()]
    files += sorted((paper_dir / "sections").glob("*.tex"))
    return {str(p.relative_to(paper_dir)): p.read_text() for p in files}
