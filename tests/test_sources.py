"""Every name of a raw folder is accounted for; bad or odd input is recorded with a clear
reason and costs nothing else; nothing outside the folder is ever read."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ingest.inventory import TooLarge, read_bounded, walk_raw_folder
from pipeline.ingest.sources import decode_bytes, make_doc_id, read_article, read_raw_folder

PROSE = (
    "The two governments signed a framework agreement on energy cooperation on Tuesday, "
    "officials said, after months of talks over pipeline tariffs and storage.\n"
)


def article(title: str, paragraphs: int = 3) -> str:
    return f"{title}\n\n" + "\n".join(PROSE for _ in range(paragraphs))


def by_file(folder: Path) -> dict:
    return {a.source_file: a for a in read_raw_folder(folder)}


def test_bad_files_are_rejected_with_reasons(tmp_path):
    (tmp_path / "a.txt").write_text(article("Title"), encoding="utf-8")
    (tmp_path / "blank.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "A.TXT").write_text(article("Other title"), encoding="utf-8")
    (tmp_path / ".hidden").write_text("ignored", encoding="utf-8")
    articles = by_file(tmp_path)
    assert set(articles) == {"a.txt", "blank.txt", "bin.txt", "A.TXT", ".hidden"}
    assert (articles["blank.txt"].status, articles["blank.txt"].problem) == ("rejected", "empty file")
    assert articles["bin.txt"].problem.startswith("binary content (")
    assert articles[".hidden"].status == "skipped" and articles[".hidden"].text is None
    assert articles[".hidden"].sha256 is None  # not read at all
    assert articles["a.txt"].ok and articles["A.TXT"].ok
    assert articles["a.txt"].doc_id == "a" and articles["A.TXT"].doc_id.startswith("a-")


def test_utf8_bom_utf16_with_or_without_bom_and_utf32_are_decoded(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffTitle ok".encode("utf-8"))
    (tmp_path / "u16.txt").write_bytes("Title ok".encode("utf-16"))
    (tmp_path / "u32.txt").write_bytes("Title ok".encode("utf-32"))
    assert read_article(tmp_path / "bom.txt").text == "Title ok"
    assert read_article(tmp_path / "u16.txt").text == "Title ok"
    assert read_article(tmp_path / "u16.txt").encoding == "utf-16"
    assert read_article(tmp_path / "u32.txt").text == "Title ok"
    (tmp_path / "le.txt").write_bytes(article("Wide text").encode("utf-16-le"))  # no BOM
    (tmp_path / "be.txt").write_bytes(article("Wide text").encode("utf-16-be"))
    assert (read_article(tmp_path / "le.txt").text, read_article(tmp_path / "le.txt").encoding) == (
        article("Wide text"), "utf-16-le")
    assert read_article(tmp_path / "be.txt").text == article("Wide text")


def test_fingerprint_is_of_the_raw_bytes(tmp_path):
    data = "Café".encode("cp1252")
    (tmp_path / "x.txt").write_bytes(data)
    found = read_article(tmp_path / "x.txt")
    assert found.sha256 == hashlib.sha256(data).hexdigest() and found.size_bytes == len(data)


def test_nul_and_control_characters_are_removed_with_a_note_and_the_article_kept(tmp_path):
    text = article("Pipeline deal").replace("agreement", "agree\x00ment", 1).replace("Tuesday", "Tues\x1bday", 1)
    (tmp_path / "nul.txt").write_bytes(text.encode("utf-8"))
    found = read_article(tmp_path / "nul.txt")
    assert found.status == "ok" and found.problem is None
    assert "\x00" not in found.text and "\x1b" not in found.text
    assert "framework agreement on energy cooperation on Tuesday" in found.text
    assert found.notes == "removed 2 control characters (U+0000 x1, U+001B x1)"


def test_binary_is_decided_by_the_share_of_control_bytes_not_one_nul():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
    with pytest.raises(ValueError, match="binary content"):
        decode_bytes(png + bytes(range(256)) * 4)
    with pytest.raises(ValueError, match="binary content"):
        decode_bytes(hashlib.sha256(b"seed").digest() * 200)  # random-looking bytes
    text, _ = decode_bytes(article("Title").encode() + b"\x00" + article("More").encode())
    assert "\x00" in text  # decoded; removing it is the next step's job, with a note
    padded, _ = decode_bytes(b"Short note\n" + b"\x00" * 4096)  # NUL padding after the text
    assert padded.startswith("Short note")


def test_symlinks_are_never_followed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-OUTSIDE " * 20, encoding="utf-8")
    (raw / "good.txt").write_text(article("Good"), encoding="utf-8")
    (raw / "passwd.txt").symlink_to("/etc/passwd")
    (raw / "secret.txt").symlink_to(secret)
    (raw / "relative.txt").symlink_to("../secret.txt")
    (raw / "alias.txt").symlink_to("good.txt")
    (raw / "gone.txt").symlink_to("nowhere.txt")
    (raw / "etc").symlink_to("/etc", target_is_directory=True)
    (raw / "sub").mkdir()
    (raw / "loop").symlink_to(raw, target_is_directory=True)
    articles = by_file(raw)
    assert {k: a.status for k, a in articles.items()} == {
        "good.txt": "ok", "passwd.txt": "skipped", "secret.txt": "skipped", "relative.txt": "skipped",
        "alias.txt": "skipped", "gone.txt": "skipped", "etc": "skipped", "loop": "skipped",
    }  # the empty sub-folder has no entry of its own: folders are walked, not listed
    outside = "symbolic link to a path outside the raw folder: not followed"
    for name in ("passwd.txt", "secret.txt", "relative.txt", "etc"):
        assert articles[name].problem == outside, name
        assert articles[name].sha256 is None and articles[name].text is None
    assert articles["alias.txt"].problem == (
        "symbolic link to good.txt inside the raw folder: not followed (the target is listed under its own name)"
    )
    assert articles["gone.txt"].problem == "broken symbolic link: not followed"
    assert articles["loop"].problem == "symbolic link to the folder . inside the raw folder: not followed"
    assert "TOP-SECRET" not in json.dumps([a.__dict__ for a in articles.values()])


def test_a_link_given_as_the_path_is_not_followed_either(tmp_path):
    (tmp_path / "link.txt").symlink_to("/etc/passwd")
    found = read_article(tmp_path / "link.txt")
    assert found.status == "rejected" and found.text is None
    assert found.problem == "is a symbolic link: not followed"


def test_subfolders_are_read_with_their_relative_path_and_hidden_or_backup_names_skipped(tmp_path):
    (tmp_path / "2024" / "05").mkdir(parents=True)
    (tmp_path / "2024" / "05" / "a.txt").write_text(article("May"), encoding="utf-8")
    (tmp_path / "2024" / "a.txt").write_text(article("Year"), encoding="utf-8")
    (tmp_path / "a.txt").write_text(article("Top"), encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text(article("Not read"), encoding="utf-8")
    for name in ("draft.txt~", "#draft.txt#", ".draft.txt.swp", "draft.bak", "draft.txt.swp", ".DS_Store"):
        (tmp_path / "2024" / name).write_text(article("Backup"), encoding="utf-8")
    articles = by_file(tmp_path)
    assert sorted(articles) == sorted([
        ".git", "2024/#draft.txt#", "2024/.DS_Store", "2024/.draft.txt.swp", "2024/05/a.txt", "2024/a.txt",
        "2024/draft.bak", "2024/draft.txt.swp", "2024/draft.txt~", "a.txt",
    ])
    assert [a.source_file for a in articles.values() if a.ok] == ["2024/05/a.txt", "2024/a.txt", "a.txt"]
    assert articles["2024/05/a.txt"].text.startswith("May\n")
    assert articles[".git"].problem == "hidden folder (name starts with a dot): not read"
    assert articles["2024/draft.txt~"].problem == "editor backup file"
    assert articles["2024/#draft.txt#"].problem == "editor swap or autosave file"
    assert articles["2024/draft.txt.swp"].problem == "editor swap or autosave file"
    assert articles["2024/.draft.txt.swp"].problem == "hidden file (name starts with a dot)"
    ids = [a.doc_id for a in articles.values() if a.ok]
    assert len(set(ids)) == 3 and "a" in ids


def test_a_fifo_or_socket_is_skipped_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "a.txt").write_text(article("Title"), encoding="utf-8")
    articles = by_file(tmp_path)
    assert articles["pipe.txt"].status == "skipped"
    assert articles["pipe.txt"].problem == "not a regular file (named pipe): not read"
    assert articles["a.txt"].ok


def test_a_4gb_sparse_file_is_rejected_from_its_metadata_without_reading_it(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: takes no disk
    (tmp_path / "a.txt").write_text(article("Title"), encoding="utf-8")
    # in a fresh interpreter, so that its peak memory is this work's alone
    code = (
        "import json, re, sys; from pathlib import Path\n"
        "from pipeline.ingest.sources import read_raw_folder\n"
        "found = {a.source_file: a for a in read_raw_folder(Path(sys.argv[1]))}\n"
        "print(json.dumps({'huge': found['huge.txt'].__dict__, 'ok': found['a.txt'].ok,\n"
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would be pytest's peak
        "                  'peak_kb': int(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1])}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    huge = result["huge"]
    assert (huge["status"], huge["size_bytes"], huge["sha256"], huge["text"]) == ("rejected", 4 * 1024**3, None, None)
    assert huge["problem"] == f"larger than the limit of 20971520 bytes ({4 * 1024**3} bytes)"
    assert result["ok"]
    assert result["peak_kb"] < 400 * 1024  # reading 4 GB would take at least ten times this


def test_reads_are_bounded_even_when_the_size_in_the_metadata_is_wrong():
    status = Path("/proc/self/status")  # a regular file whose metadata says 0 bytes
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs Linux /proc")
    with pytest.raises(TooLarge, match="larger than the limit of 10 bytes \\(11 bytes\\)"):
        read_bounded(status, 10)
    assert len(read_bounded(status, 1 << 20)) > 10


def test_document_ids_are_distinct_for_any_names_and_stable(tmp_path):
    names = ["Сделка века.txt", "Сделка-века.txt", "中俄天然气协议.txt", "中俄原油协议.txt",
             "Deal.txt", "deal.txt", "deal.md", "DEAL.TXT", "😀.txt", "🤝.txt", "2024/deal.txt", "2024-deal.txt"]
    for i, name in enumerate(names):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(article(f"Title {i}"), encoding="utf-8")
    articles = by_file(tmp_path)
    ids = {a.source_file: a.doc_id for a in articles.values()}
    assert all(a.ok for a in articles.values())
    assert len(set(ids.values())) == len(names)
    assert all(i.isascii() and i == i.lower() for i in ids.values())
    assert ids["deal.txt"] == "deal" and ids["Сделка века.txt"].startswith("sdelka-veka-")
    assert ids["中俄天然气协议.txt"].startswith("zhongetianranqixieyi-")
    # the same name gets the same id whatever else the folder holds
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "Сделка века.txt").write_text(article("Alone"), encoding="utf-8")
    assert by_file(alone)["Сделка века.txt"].doc_id == ids["Сделка века.txt"]
    assert make_doc_id("Сделка века.txt") == ids["Сделка века.txt"]


def test_a_file_name_that_is_not_utf8_is_published_with_a_note(tmp_path):
    name = b"caf\xe9.txt"
    with open(os.path.join(os.fsencode(tmp_path), name), "wb") as handle:
        handle.write(article("Café").encode())
    found = by_file(tmp_path)["caf\\xe9.txt"]
    assert found.ok and found.notes == "file name is not valid UTF-8; shown with \\xNN escapes"
    assert found.doc_id.startswith("caf-xe9-")
    json.dumps(found.__dict__)  # storable in the manifest


def test_the_same_content_under_a_second_name_is_a_duplicate_of_the_first(tmp_path):
    text = article("Same story")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt").write_text(text.replace("\n", "\r\n"), encoding="cp1252")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("Updated on\n\n" + text, encoding="utf-8")
    (tmp_path / "other.txt").write_text(article("Another story"), encoding="utf-8")
    articles = by_file(tmp_path)
    assert articles["a.txt"].ok and articles["other.txt"].ok
    for name in ("b.txt", "sub/c.txt"):
        assert articles[name].status == "duplicate" and articles[name].duplicate_of == "a.txt"
        assert articles[name].problem == "same text as a.txt" and articles[name].text is None
        assert len(articles[name].sha256) == 64  # its own bytes' fingerprint


def test_an_article_of_page_furniture_only_is_rejected_with_the_rules(tmp_path):
    (tmp_path / "furniture.txt").write_text("Subscribe to The Week\n\nShare this article\nAdvertisement\n")
    found = by_file(tmp_path)["furniture.txt"]
    assert found.status == "rejected"
    assert found.problem == "no text left after cleaning: only page furniture (advertisement, share, subscribe)"


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Gas deal signed | Example News</title>
<style>body { font-family: serif } .price:before { content: "$7 billion" }</style>
<script>window.ad = {"value": "$5 billion", "deal": "fake"};</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<header><p>Example News: all the news</p></header>
<article><h1>Gas deal signed</h1>
<p>The two companies signed a supply contract worth $2&nbsp;billion on Monday, the
   ministry said &mdash; the largest this year.</p>
<p>Deliveries start in 2027 &amp; run for <b>twenty</b> years.<br>Reporting by A. Writer</p>
<script>track("$9 billion")</script>
</article>
<footer>&copy; 2026 Example News</footer></body></html>
"""


def test_an_html_page_saved_as_txt_is_read_for_its_main_text(tmp_path):
    (tmp_path / "page.txt").write_text(HTML_PAGE, encoding="utf-8")
    found = read_article(tmp_path / "page.txt")
    assert found.ok, found.problem
    assert found.text.split("\n")[0] == "Gas deal signed"
    assert "worth $2\xa0billion on Monday, the ministry said \u2014 the largest this year." in found.text
    assert "Deliveries start in 2027 & run for twenty years.\nReporting by A. Writer" in found.text
    for absent in ("<", "&nbsp;", "$5 billion", "$7 billion", "$9 billion", "Home", "font-family", "all the news"):
        assert absent not in found.text, absent
    assert found.notes == "HTML page: main text read from <article>, title from <h1>"


def test_a_page_without_article_element_uses_body_and_title(tmp_path):
    page = ("<html><head><title>Pact &amp; promise</title></head><body><header>Site menu</header>"
            "<div><p>Leaders agreed a pact.</p><p>It runs to 2030.</p></div><footer>About us</footer></body></html>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    found = read_article(tmp_path / "p.html")
    assert found.text == "Pact & promise\n\nLeaders agreed a pact.\n\nIt runs to 2030."


@pytest.mark.parametrize(
    "content,problem",
    [
        ('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Feed</title><item><title>A</title>'
         "</item></channel></rss>", "XML document (root element <rss>), not an article text"),
        ("<html><head><title>Only a title</title><script>var a = 1;</script></head><body>"
         "<nav>Home</nav></body></html>",
         "HTML page with no text outside its title, scripts, styles and navigation"),
        ("<html><body><p>&lt;html&gt;&lt;body&gt;&lt;p&gt;escaped&lt;/p&gt;&lt;div&gt;&lt;p&gt;markup&lt;/p&gt;"
         "&lt;/div&gt;&lt;/body&gt;&lt;/html&gt;</p></body></html>", "HTML page whose text is itself markup"),
    ],
)
def test_markup_without_article_text_is_rejected_with_a_reason(tmp_path, content, problem):
    (tmp_path / "x.txt").write_text(content, encoding="utf-8")
    found = read_article(tmp_path / "x.txt")
    assert (found.status, found.problem, found.text) == ("rejected", problem, None)


def test_plain_text_that_mentions_a_tag_stays_plain_text(tmp_path):
    text = article("Browsers and the <blink> tag") + "Old pages used <b>bold</b> and <i>italic</i> text.\n"
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    found = read_article(tmp_path / "t.txt")
    assert found.ok and found.notes is None and found.text == text


def test_walk_reads_nothing_outside_and_lists_every_name(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "l.txt").symlink_to("/etc/passwd")
    entries = [(e.source_file, e.kind, folder is not None) for e, folder in walk_raw_folder(tmp_path)]
    assert entries == [("a.txt", "file", True), ("l.txt", "symlink", False)]


def test_a_page_nested_too_deep_is_rejected_before_parsing(tmp_path):
    page = "<html><body>" + "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000 + "</body></html>"
    (tmp_path / "deep.html").write_text(page, encoding="utf-8")
    found = read_article(tmp_path / "deep.html")
    assert (found.status, found.problem) == ("rejected", "HTML page nested 100000 elements deep (more than 512): not parsed")


def test_text_that_starts_with_an_unclosed_bracketed_word_is_plain_text(tmp_path):
    text = "<Breaking> Pipeline deal signed\n\n" + article("<Update> More")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    found = read_article(tmp_path / "b.txt")
    assert found.ok and found.notes is None and found.text == text


def test_a_non_utf8_name_shown_like_another_file_is_rejected_not_published_twice(tmp_path):
    (tmp_path / "caf\\xe9.txt").write_text(article("Backslash name"), encoding="utf-8")
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "wb") as handle:
        handle.write(article("Latin-1 name").encode())
    found = read_raw_folder(tmp_path)
    assert [(a.source_file, a.status) for a in found] == [("caf\\xe9.txt", "ok"), ("caf\\xe9.txt", "rejected")]
    assert found[1].problem == "another file of the folder is shown under the same name"
    assert found[0].doc_id != found[1].doc_id
