"""The layout lint (reporting/prose_lint.py, run by the build before LaTeX): no sentence of the paper's body prints
more than two intervals, and the committed paper has at most six A4 pages with its references. Fast: the LaTeX
sources are parsed, no TeX runs; the page check reads the committed PDF and skips where it or pdfinfo is absent."""
import shutil

import pytest
from helpers import REPO  # noqa: E402

from cgan_study.reporting import paper, prose_lint


def test_no_sentence_of_the_body_prints_more_than_two_intervals():
    texts = prose_lint.body_sources(REPO / "paper")
    assert "sections/abstract.tex" in texts and not any("supplement" in source for source in texts)
    assert prose_lint.crowded_sentences(texts) == []


def test_a_sentence_with_three_intervals_is_flagged_with_its_file_and_line():
    text = ("\\section{Results}\n"
            "Mixing adds \\diff{a} points. Filtering adds \\diffadj{b} and pretraining \\diff{c}.\n"
            "A typed one [+1.2, $-$3.4], a macro one \\diffadj{d}, a third \\diff{e}; a mean \\diffmean{f} is none.\n"
            "See Fig.~\\ref{x}, e.g. two: \\diff{g}, \\diff{h}.\n"
            "% a comment with \\diff{i} \\diff{j} \\diff{k} counts for nothing\n")
    problems = prose_lint.crowded_sentences({"s.tex": text})
    assert len(problems) == 1 and problems[0].startswith("s.tex:3: a sentence prints 3 intervals")
    # The two-interval sentence of line 2 passes; at a limit of 1 it is flagged too, as is line 4's.
    assert [p.split(":")[1] for p in prose_lint.crowded_sentences({"s.tex": text}, limit=1)] == ["2", "3", "4"]


def test_sentences_span_lines_and_floats_do_not_count():
    text = ("The first sentence runs\nover two lines with \\diff{a}, \\diff{b}\nand \\diff{c}.\n"
            "\\begin{table}\\caption{Three: [1, 2], [3, 4], [5, 6].}\\end{table}\n")
    sentences = prose_lint.sentences(text)
    assert [line for line, _ in sentences] == [1] and prose_lint.interval_count(sentences[0][1]) == 3


def test_the_committed_paper_has_at_most_six_pages_with_its_references():
    pdf = REPO / "paper" / "main.pdf"
    if not pdf.exists() or shutil.which("pdfinfo") is None:
        pytest.skip("paper/main.pdf not built or pdfinfo (poppler) not installed")
    assert paper.page_limit_problems(pdf) == []
    assert paper.PAGE_LIMIT == 6
    aux = REPO / "paper" / "main.aux"
    if aux.exists():   # a local build: the references end by page 6 too
        assert paper.references_end_late(REPO / "paper") == []


def test_no_two_floats_of_a_document_share_a_caption(tmp_path):
    for doc in ("main", "supplement"):
        assert paper.repeated_captions(REPO / "paper", doc) == []
    (tmp_path / "main.tex").write_text("\\input{a}\n\\caption{Budget check: one.}\n% \\caption{Budget check: one.}\n")
    (tmp_path / "a.tex").write_text("\\caption{Budget check: one.}\n\\caption{Budget check: two.}\n")
    assert paper.repeated_captions(tmp_path, "main") == ["main: 2 captions begin 'Budget check: one.}...'"]
