"""LaTeX table writing: booktabs tables and their column formats."""
from __future__ import annotations

import re

import pandas as pd


MINUS = re.compile(r"(?<![\w.$])-(?=\d)")


def to_latex(table: pd.DataFrame, caption: str, label: str, column_format: str | None = None,
             wide: bool = False, tabcolsep: float = 3.0) -> str:
    """A booktabs table (needs booktabs, adjustbox and array); '±' becomes $\\pm$; `wide` spans both columns."""
    cols = list(table.columns)
    column_format = column_format or "l" + "r" * (len(cols) - 1)

    def esc(value) -> str:
        if str(value).startswith("$") or "\\" in str(value):
            return str(value)  # already LaTeX
        # A missing value (NaN, Python's None) is a dash, never 'nan'; the word "none" (no collapse onset) is text.
        if value is None or str(value).strip() in ("nan", "NaN", "None", ""):
            return "--"
        # '<' and '>' typeset in text mode are other glyphs (OT1's ¡ and ¿): math ones.
        text = str(value).replace("±", "$\\pm$").replace("_", "\\_").replace("%", "\\%").replace(
            "<", "$<$").replace(">", "$>$")
        # A negative number gets a math minus (a hyphen is shorter and may be broken after).
        text = MINUS.sub("$-$", text)
        return text.replace(" (n=", "\\,(").replace("β1", "$\\beta_1$")

    env = "table*" if wide else "table"
    # \\tablefont (the papers' preamble: footnotesize, 8 pt at 10 pt) keeps body tables readable.
    lines = [f"\\begin{{{env}}}[t]", "\\centering", "\\tablefont", f"\\caption{{{caption}}}", f"\\label{{{label}}}",
             f"\\setlength{{\\tabcolsep}}{{{tabcolsep:g}pt}}",
             # Shrinks a table wider than its column (long variant names) instead of overflowing the margin.
             "\\begin{adjustbox}{max width=\\linewidth}", f"\\begin{{tabular}}{{{column_format}}}", "\\toprule",
             " & ".join(esc(c) for c in cols) + " \\\\", "\\midrule"]
    lines += [" & ".join(esc(v) for v in row) + " \\\\" for row in table.itertuples(index=False)]
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{adjustbox}", f"\\end{{{env}}}", ""]
    return "\n".join(lines)


def wrapped_first_column(table: pd.DataFrame, width: str, last: str | None = None) -> str:
    """A column format whose first (label) column wraps at `width` instead of shrinking the whole table; the
    last one too when `last` gives its width."""
    middle = "r" * (len(table.columns) - (2 if last else 1))
    return ragged(width) + middle + (ragged(last) if last else "")


def ragged(width: str) -> str:
    """A wrapping, left-aligned column (needs the array package): justified text in a narrow cell stretches."""
    return f">{{\\raggedright\\arraybackslash}}p{{{width}}}"
