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
_HEADING_SHIFT = re.compile(r"<(/?)h1>")


def render_markdown(text: str | None) -> Markup:
    """Render Markdown as sanitised HTML: no script, no event handlers, links get rel="noopener"."""
    if not text:
        return Markup("")
    html = _md.render(text)
    # The page title is the only h1; user headings start at h2.
    html = _HEADING_SHIFT.sub(r"<\1h2>", html)
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
