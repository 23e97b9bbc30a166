"""The site for machines: robots.txt, sitemap.xml, canonical URLs, language alternates and link previews.

`robots` writes and reads the crawl rules, `sitemap` lists every published thing with its last change,
`canonical` decides the one URL of a page (and whether it may be indexed), `views` serves the two files and
`previews` builds the Open Graph and JSON-LD data a page's template puts in its head.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("seo", __name__)
