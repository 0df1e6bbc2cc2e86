"""The PDFs carry the digest of the generated/ files they were built from, and the committed PDFs' digest is the
committed generated/'s: numbers regenerated without rebuilding the PDFs (or PDFs from other numbers) fail here."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from cgan_study.reporting import paper

REPO = Path(__file__).resolve().parents[2]


def test_the_digest_is_sha256_over_paths_and_bytes_in_path_order(tmp_path):
    generated = tmp_path / "generated"
    (generated / "figures").mkdir(parents=True)
    (generated / "numbers.tex").write_bytes(b"n")
    (generated / "figures" / "a.pdf").write_bytes(b"f")
    (generated / paper.STAMP_FILE).write_text("left out")
    want = hashlib.sha256(b"figures/a.pdf\0f\0numbers.tex\0n\0").hexdigest()
    assert paper.inputs_digest(tmp_path) == want
    (generated / "numbers.tex").write_bytes(b"m")
    assert paper.inputs_digest(tmp_path) != want


def test_the_build_writes_the_stamp_the_preamble_puts_in_the_pdf(tmp_path, monkeypatch):
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "numbers.tex").write_text("% none\n")
    (tmp_path / "main.tex").write_text("x")
    monkeypatch.setattr(paper.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(paper.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, "", ""))
    paper.build(tmp_path)
    stamp = (tmp_path / "generated" / paper.STAMP_FILE).read_text()
    assert f"\\def\\generatedinputs{{{paper.inputs_digest(tmp_path)}}}" in stamp
    preamble = (REPO / "paper" / "preamble.tex").read_text()
    assert "\\InputIfFileExists{generated/inputs.tex}" in preamble
    assert "\\pdfinfo{/GeneratedInputs (\\generatedinputs)}" in preamble


def test_latexmk_forgets_its_record_when_the_pdf_on_disk_is_not_from_these_inputs(tmp_path):
    """A checkout restores an older committed PDF after a build whose record (fdb_latexmk) stayed: latexmk would
    find every input as recorded and keep the old PDF, so the record goes; a PDF from these inputs keeps it."""
    digest = "cd" * 32
    record, pdf = tmp_path / "main.fdb_latexmk", tmp_path / "main.pdf"
    record.write_text("record")
    pdf.write_bytes(b"%PDF-1.5\n<< /GeneratedInputs (" + ("ab" * 32).encode() + b") >>\n")
    paper.forget_stale_record(tmp_path, "main", digest)
    assert not record.exists()
    record.write_text("record")
    pdf.write_bytes(b"%PDF-1.5\n<< /GeneratedInputs (" + digest.encode() + b") >>\n")
    paper.forget_stale_record(tmp_path, "main", digest)
    assert record.exists()
    pdf.unlink()   # no PDF at all: nothing to keep
    paper.forget_stale_record(tmp_path, "main", digest)
    assert not record.exists()


def test_a_pdfs_stamp_is_read_from_its_metadata(tmp_path):
    digest = "ab" * 32
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.5\n1 0 obj\n<< /Producer (pdfTeX) /GeneratedInputs (" + digest.encode() + b") >>\n")
    assert paper.pdf_stamp(pdf) == digest
    pdf.write_bytes(b"%PDF-1.5\n1 0 obj\n<< /Producer (pdfTeX) >>\n")
    assert paper.pdf_stamp(pdf) is None


@pytest.mark.parametrize("doc", paper.DOCUMENTS)
def test_committed_pdf_was_built_from_the_committed_generated_files(doc):
    pdf = REPO / "paper" / f"{doc}.pdf"
    stamp = paper.pdf_stamp(pdf)
    if stamp is None and not (REPO / "paper" / "generated" / paper.STAMP_FILE).exists():
        # Only while the committed PDFs predate the stamp (no build has written generated/inputs.tex yet): the next
        # `make report` stamps them. Once a build has written it, an unstamped PDF fails below.
        pytest.skip(f"paper/{doc}.pdf carries no /GeneratedInputs stamp yet (built before the stamp existed); "
                    "rebuild it with `make report`")
    assert stamp is not None, f"paper/{doc}.pdf carries no /GeneratedInputs stamp; rebuild it with `make report`"
    assert stamp == paper.inputs_digest(REPO / "paper"), (
        f"paper/{doc}.pdf was built from other generated/ files than the committed ones; rebuild with `make report`")


def test_the_authors_of_a_build_come_from_the_environment_and_are_escaped(tmp_path):
    from cgan_study.reporting import paper

    paper.write_authors(tmp_path, "Ada Lovelace (20201234); R&D Team_2 (x%y)")
    tex = (tmp_path / paper.AUTHORS_OVERRIDE).read_text()
    assert "\\IEEEauthorblockN{Ada Lovelace}\n\\IEEEauthorblockA{20201234}" in tex
    assert "\\IEEEauthorblockN{R\\&D Team\\_2}\n\\IEEEauthorblockA{x\\%y}" in tex
    assert tex.count("\\and") == 1 and tex.strip().endswith("}")
    paper.write_authors(tmp_path, "")   # unset: the committed placeholder shows again
    assert not (tmp_path / paper.AUTHORS_OVERRIDE).exists()
    with pytest.raises(ValueError, match="names no author"):
        paper.authors_tex(" ; ")


def test_both_documents_read_the_authors_override_before_the_placeholder():
    for doc in ("main.tex", "supplement.tex"):
        text = (REPO / "paper" / doc).read_text()
        assert "\\IfFileExists{authors-override.tex}{\\input{authors-override.tex}}{\\input{authors.tex}}" in text, doc
