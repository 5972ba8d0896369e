"""Articles saved as web pages: tell markup from text by content, and read a page's main text.

Markup is recognised by what a file holds, never by its extension (an HTML page saved as
``.txt`` is still a page). An HTML page becomes plain text with the page's title as its first
line, paragraphs separated by blank lines, entities decoded, and nothing from ``<script>``,
``<style>``, navigation or forms; an XML document that is not XHTML is not an article and is
rejected. Parsing uses selectolax (the Lexbor HTML5 parser), which reads broken markup the
way browsers do. The element lists are data in ``schemas/rules/sources.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.rules import load_rules

_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)(?=[\s/>])[^<>]*>")
_PROLOGUE = re.compile(r"\A\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*", re.IGNORECASE | re.DOTALL)
_ROOT_NAME = re.compile(r"<([A-Za-z_][\w:.-]*)")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
#: Stand for the end of a block element and a <br> in the text taken from the parser.
_PARAGRAPH_BREAK, _LINE_BREAK = "\x1f", "\x1e"
#: At most this many candidate containers of the main text are compared (bounds the work
#: on pages with thousands of nested <article> elements).
_MAX_CANDIDATES = 20


class MarkupRejected(ValueError):
    """A markup document that holds no article text; the message is the reason."""


@dataclass(frozen=True)
class MarkupRules:
    sniff_chars: int
    min_known_tags: int
    known_tags: frozenset[str]
    drop_tags: tuple[str, ...]
    page_only_drop_tags: tuple[str, ...]
    main_selectors: tuple[str, ...]
    block_tags: frozenset[str]
    max_depth: int
    nesting_tag: re.Pattern[str]


@dataclass(frozen=True)
class PageText:
    """The readable text of a page: title as first line, then the paragraphs."""

    text: str
    title_from: str  # "h1", "title" or "none"
    container: str  # the element the text was read from: "article", "main", "body"...


def parse_markup_rules(data: dict[str, Any]) -> MarkupRules:
    return MarkupRules(
        sniff_chars=int(data["sniff_chars"]),
        min_known_tags=int(data["min_known_tags"]),
        known_tags=frozenset(data["known_tags"]),
        drop_tags=tuple(data["drop_tags"]),
        page_only_drop_tags=tuple(data["page_only_drop_tags"]),
        main_selectors=tuple(data["main_selectors"]),
        block_tags=frozenset(data["block_tags"]),
        max_depth=int(data["max_depth"]),
        nesting_tag=re.compile(
            r"<(/?)(?:" + "|".join(map(re.escape, data["nesting_tags"])) + r")(?=[\s/>])", re.IGNORECASE
        ),
    )


@cache
def default_markup_rules() -> MarkupRules:
    """The ``[markup]`` table of ``schemas/rules/sources.toml``, parsed once."""
    return parse_markup_rules(load_rules("sources.toml")["markup"])


def markup_kind(text: str, rules: MarkupRules | None = None) -> str | None:
    """``"html"`` or ``"xml"`` when the text is markup, else None (plain text).

    Markup is a text holding at least ``min_known_tags`` HTML tags in its first
    ``sniff_chars`` characters, or one that starts (after an optional declaration, doctype or
    comment) with an element that is closed later on; it is XML when that first element is
    not an HTML one.

    >>> markup_kind("<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>")
    'html'
    >>> markup_kind('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>')
    'xml'
    >>> markup_kind("A deal worth $2 billion <b>was</b> signed.") is None
    True
    >>> markup_kind("<Breaking> Gazprom signs a deal <Update> with CNPC") is None
    True
    """
    rules = rules or default_markup_rules()
    sample = text[: rules.sniff_chars]
    known = sum(1 for m in _TAG.finditer(sample) if m.group(2).lower() in rules.known_tags)
    if known >= rules.min_known_tags:
        return "html"
    prologue = _PROLOGUE.match(sample)
    declared = bool(sample[: prologue.end()].strip())
    root = _ROOT_NAME.match(sample, prologue.end())
    if root is None:
        return "html" if declared and _TAG.search(sample) else None
    closed = re.search(f"</{re.escape(root.group(1))}\\s*>", text, re.IGNORECASE) is not None
    if not (closed or declared):
        return None
    return "html" if root.group(1).lower().split(":")[-1] in rules.known_tags else "xml"


def root_element(text: str) -> str:
    """Name of the first element of a markup document.

    >>> root_element('<?xml version="1.0"?>\\n<!-- feed --><rss version="2.0"></rss>')
    'rss'
    """
    match = _ROOT_NAME.match(text, _PROLOGUE.match(text).end())
    return match.group(1) if match else ""


def html_to_text(html: str, rules: MarkupRules | None = None) -> PageText:
    """The main text of an HTML page, its title as the first line.

    >>> page = html_to_text(
    ...     "<html><head><title>Deal | Site</title><script>var x = '$9 billion';</script></head>"
    ...     "<body><nav>Home</nav><article><h1>Big deal</h1><p>It is worth $2&nbsp;billion.</p>"
    ...     "<p>Signed <b>today</b>.<br>By a reporter</p></article></body></html>")
    >>> page.text
    'Big deal\\n\\nIt is worth $2\\xa0billion.\\n\\nSigned today.\\nBy a reporter'
    >>> (page.title_from, page.container)
    ('h1', 'article')

    Raises :class:`MarkupRejected` when the page holds no text.
    """
    rules = rules or default_markup_rules()
    depth = nesting_depth(html, rules)
    if depth > rules.max_depth:
        raise MarkupRejected(f"HTML page nested {depth} elements deep (more than {rules.max_depth}): not parsed")
    tree = LexborHTMLParser(html)
    _remove(tree, rules.drop_tags)
    container, container_name = _main_container(tree, rules)
    if container is None:
        raise MarkupRejected("HTML page without a body")
    if container_name == "body":
        _remove(tree, rules.page_only_drop_tags)
        container = tree.body
    title, title_from = _title(tree, container, search_body=container_name != "body")
    paragraphs = block_paragraphs(container, rules.block_tags)
    if paragraphs and title and _same_line(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    lines = ([title] if title else []) + paragraphs
    if not paragraphs:
        raise MarkupRejected("HTML page with no text outside its title, scripts, styles and navigation")
    return PageText("\n\n".join(lines), title_from if title else "none", container_name)


def nesting_depth(html: str, rules: MarkupRules | None = None) -> int:
    """Deepest nesting of container elements (``<div>``, ``<section>``...), found by one scan
    of the tags; a closing tag without an opening one counts for nothing.

    >>> nesting_depth("<div><div><p>x</p></div><section>y</section></div></div></div>")
    2
    """
    rules = rules or default_markup_rules()
    depth = peak = 0
    for match in rules.nesting_tag.finditer(html):
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            peak = max(peak, depth)
    return peak


def _main_container(tree: LexborHTMLParser, rules: MarkupRules) -> tuple[LexborNode | None, str]:
    """The <article>/<main>... holding the most text, else <body>."""
    best, best_name, best_len = None, "body", 0
    seen = 0
    for selector in rules.main_selectors:
        for node in tree.css(selector):
            seen += 1
            if seen > _MAX_CANDIDATES:
                break
            length = len(node.text(deep=True, separator=" ", strip=True))
            if length > best_len:
                best, best_name, best_len = node, selector, length
    if best is not None:
        return best, best_name
    return tree.body, "body"


def _title(tree: LexborHTMLParser, container: LexborNode, search_body: bool) -> tuple[str, str]:
    """The page's headline: the first <h1> of the main text, else of the page, else <title>."""
    for scope in (container, tree.body) if search_body else (container,):
        if scope is None:
            continue
        h1 = scope.css_first("h1")
        if h1 is not None:
            text = _collapse(h1.text(deep=True, separator=" "))
            if text:
                return text, "h1"
    title = tree.css_first("title")
    if title is not None:
        text = _collapse(title.text(deep=True))
        if text:
            return text, "title"
    return "", "none"


def block_paragraphs(root: LexborNode, block_tags: frozenset[str]) -> list[str]:
    """The paragraphs of an element: a block element ends a paragraph, ``<br>`` ends a line,
    text of inline elements is joined and runs of HTML white space collapsed.

    Marks the bounds of each block and each ``<br>`` with a separator character, then takes
    the element's text in one call of the parser (linear in the page, however many inline
    elements it has, and no recursion on deeply nested pages). The element is modified.
    """
    for node in root.css(", ".join(sorted(block_tags))):
        node.insert_before(_PARAGRAPH_BREAK)
        node.insert_after(_PARAGRAPH_BREAK)
    for node in root.css("br"):
        node.replace_with(_LINE_BREAK)
    paragraphs = []
    for block in root.text(deep=True).split(_PARAGRAPH_BREAK):
        lines = [_collapse(line) for line in block.split(_LINE_BREAK)]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs


def _remove(tree: LexborHTMLParser, tags: tuple[str, ...]) -> None:
    """Take every element of these kinds out of the page, in one query."""
    if tags:
        for node in tree.css(", ".join(tags)):
            node.remove()


def _collapse(text: str) -> str:
    return _HTML_SPACE.sub(" ", text).strip()


def _same_line(a: str, b: str) -> bool:
    return a.split("\n", 1)[0].casefold() == b.casefold()
