"""User Markdown to safe HTML: markdown-it-py without raw HTML, then sanitised by nh3."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _nest_headings(html: str, top: int) -> str:
    """Renumber the author's headings so they nest under the page's own: the highest becomes `top`, and none
    goes more than one level deeper than the one before it (an author's "#" then "###" becomes h3, h4 under
    top=3). Valid HTML and screen-reader outlines need levels that do not skip."""
    levels = [int(level) for closing, level in _HEADING.findall(html) if not closing]
    if not levels:
        return html
    highest = min(levels)
    renumbered: list[int] = []
    previous = top - 1
    for level in levels:
        new = min(top + level - highest, previous + 1, 6)
        renumbered.append(new)
        previous = new
    opened = iter(renumbered)
    current = [top]

    def swap(match: re.Match) -> str:
        if not match.group(1):
            current[0] = next(opened)
        return f"<{match.group(1)}h{current[0]}>"

    return _HEADING.sub(swap, html)


def render_markdown(text: str | None, top: int = 2) -> Markup:
    """Render Markdown as sanitised HTML: no script, no event handlers, links get rel="noopener".

    The page title is the only h1: the author's headings start at `top` (2 by default; 3 where the text sits
    under the page's own h2) and never skip a level."""
    if not text:
        return Markup("")
    html = _md.render(text)
    html = _nest_headings(html, max(2, min(top, 6)))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)


def markdown_to_text(text: str | None) -> str:
    """Plain text of rendered Markdown (for search snippets and mail), with tags removed."""
    if not text:
        return ""
    html = _md.render(text)
    plain = nh3.clean(html, tags=set(), strip_comments=True)
    return re.sub(r"\s+", " ", plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")).strip()
