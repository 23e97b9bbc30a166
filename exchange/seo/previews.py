"""What a shared link shows: Open Graph and Twitter-card fields, and schema.org JSON-LD where it fits.

Each function returns a plain dict that `templates/_macros/seo.html` renders into the page's head. Text comes
from the page's own data (a practice's summary, a theme's description), images from what exists: a theme's
map as SVG, otherwise the platform's card image (PNG, because most link previewers ignore SVG).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import get_locale
from flask_babel import gettext as _

from exchange.i18n import localized
from exchange.mail import external_url
from exchange.seo.canonical import canonical_url

SITE_NAME = "Jeugdkennis"
DESCRIPTION_LIMIT = 300


def _clip(text: str | None, limit: int = DESCRIPTION_LIMIT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _card_image() -> dict:
    return {
        "url": external_url("static", filename="img/og-card.png"),
        "type": "image/png",
        "width": 1200,
        "height": 630,
        "alt": _("Jeugdkennis, de kennisuitwisseling van het lerend jeugdhulpstelsel"),
    }


def _locale() -> str:
    return "en_GB" if str(get_locale()) == "en" else "nl_NL"


def base_preview(title: str, description: str | None = None) -> dict:
    return {
        "type": "website",
        "title": title,
        "description": _clip(
            description or _("Jeugdkennis: de kennisuitwisseling van het lerend jeugdhulpstelsel.")
        ),
        "url": canonical_url(),
        "locale": _locale(),
        "locale_alternate": "nl_NL" if _locale() == "en_GB" else "en_GB",
        "image": _card_image(),
        "json_ld": None,
        "noindex": False,
    }


def practice_preview(practice) -> dict:
    region = practice.region
    preview = base_preview(practice.title, practice.summary)
    published = practice.status.value == "published"
    preview.update(
        type="article",
        published=_iso(practice.published_at),
        modified=_iso(practice.updated_at),
        section=region.display_name,
        tags=[localized(theme, "name") for theme in practice.themes],
        noindex=not published,
    )
    if published:
        preview["json_ld"] = {
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": practice.title,
            "description": _clip(practice.summary),
            "url": preview["url"],
            "inLanguage": "nl",
            "datePublished": _iso(practice.published_at),
            "dateModified": _iso(practice.updated_at),
            "about": [{"@type": "Thing", "name": localized(t, "name")} for t in practice.themes],
            "spatialCoverage": {
                "@type": "AdministrativeArea",
                "name": region.display_name,
                "url": external_url("reference.region", slug=region.slug),
            },
            "publisher": {"@type": "Organization", "name": SITE_NAME, "url": external_url("pages.home")},
            "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": external_url("pages.home")},
        }
    return preview


def region_preview(region) -> dict:
    description = _(
        "Jeugdzorgregio %(name)s (%(province)s): transformatieplan, praktijkvoorbeelden en resultaten.",
        name=region.display_name,
        province=region.province,
    )
    preview = base_preview(region.display_name, description)
    preview["json_ld"] = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": region.display_name,
        "url": preview["url"],
        "about": {
            "@type": "AdministrativeArea",
            "name": region.display_name,
            "containedInPlace": {"@type": "AdministrativeArea", "name": region.province},
        },
        "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": external_url("pages.home")},
    }
    return preview


def theme_preview(theme) -> dict:
    name = localized(theme, "name")
    preview = base_preview(name, localized(theme, "description") or None)
    preview["image"] = {
        "url": external_url("maps.svg", name="thema", thema=theme.slug),
        "type": "image/svg+xml",
        "width": None,
        "height": None,
        "alt": _("Kaart van de regio's met praktijkvoorbeelden over %(name)s", name=name),
    }
    preview["json_ld"] = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": name,
        "url": preview["url"],
        "about": {"@type": "Thing", "name": name},
        "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": external_url("pages.home")},
    }
    return preview


def site_preview(title: str) -> dict:
    """The home page: the platform as a WebSite with a SearchAction, run as a government service."""
    preview = base_preview(title)
    home = external_url("pages.home")
    search = external_url("search.index")
    preview["json_ld"] = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebSite",
                "name": SITE_NAME,
                "url": home,
                "inLanguage": ["nl", "en"],
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
                    "query-input": "required name=search_term_string",
                },
            },
            {
                "@type": "GovernmentService",
                "name": SITE_NAME,
                "url": home,
                "description": _(
                    "Kennisuitwisseling van het lerend jeugdhulpstelsel: praktijkvoorbeelden en "
                    "resultaten van de 42 jeugdzorgregio's."
                ),
                "serviceType": _("Kennisuitwisseling jeugdhulp"),
                "areaServed": {"@type": "Country", "name": _("Nederland")},
                "audience": {"@type": "Audience", "audienceType": _("Professionals in de jeugdhulp")},
            },
        ],
    }
    return preview
