"""Bad input is recorded with a clear reason and costs nothing else."""

from __future__ import annotations

from pipeline.ingest.sources import list_article_files, read_article, read_articles


def test_bad_files_are_rejected_with_reasons(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nBody.", encoding="utf-8")
    (tmp_path / "blank.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "A.TXT").write_text("Other", encoding="utf-8")
    (tmp_path / ".hidden").write_text("ignored", encoding="utf-8")
    articles = {a.source_file: a for a in read_articles(list_article_files(tmp_path))}
    assert set(articles) == {"a.txt", "blank.txt", "bin.txt", "A.TXT"}
    assert articles["blank.txt"].problem == "empty file"
    assert articles["bin.txt"].problem == "binary content (NUL bytes), not text"
    assert "already taken by A.TXT" in articles["a.txt"].problem or "already taken by a.txt" in articles["A.TXT"].problem


def test_utf8_bom_and_utf16_are_decoded(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffTitle ok".encode("utf-8"))
    (tmp_path / "u16.txt").write_bytes("Title ok".encode("utf-16"))
    assert read_article(tmp_path / "bom.txt").text == "Title ok"
    assert read_article(tmp_path / "u16.txt").text == "Title ok"
    assert read_article(tmp_path / "u16.txt").encoding == "utf-16"


def test_fingerprint_is_of_the_raw_bytes(tmp_path):
    import hashlib

    data = "Café".encode("cp1252")
    (tmp_path / "x.txt").write_bytes(data)
    article = read_article(tmp_path / "x.txt")
    assert article.sha256 == hashlib.sha256(data).hexdigest() and article.size_bytes == len(data)
