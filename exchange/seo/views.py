"""/robots.txt, /sitemap.xml and /sitemap-<n>.xml, and the head data every page template reads."""

from __future__ import annotations

from flask import Response, abort

from exchange.mail import external_url
from exchange.seo import bp, canonical, previews, robots, sitemap

# Crawlers fetch these often; an hour of shared caching costs nothing (the sitemap has its own lastmods).
CACHE = "public, max-age=3600"


@bp.get("/robots.txt")
def robots_txt():
    body = robots.robots_txt(external_url("seo.sitemap_xml"))
    response = Response(body, mimetype="text/plain")
    response.headers["Cache-Control"] = CACHE
    return response


def _xml(body: str) -> Response:
    response = Response(body, mimetype="application/xml")
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/sitemap.xml")
def sitemap_xml():
    return _xml(sitemap.current().index)


@bp.get("/sitemap-<int(max=100000):number>.xml")
def sitemap_part(number: int):
    parts = sitemap.current().parts
    if not 1 <= number <= len(parts):
        abort(404)
    return _xml(parts[number - 1])


@bp.app_context_processor
def head_helpers():
    def seo_head() -> dict:
        return {
            "canonical": canonical.canonical_url(),
            "alternates": canonical.language_alternates(),
            "robots": canonical.robots_directive(),
        }

    return {
        "seo_head": seo_head,
        "page_preview": previews.base_preview,
        "practice_preview": previews.practice_preview,
        "region_preview": previews.region_preview,
        "theme_preview": previews.theme_preview,
        "site_preview": previews.site_preview,
    }


@bp.before_app_request
def trailing_slash():
    return canonical.redirect_trailing_slash()
