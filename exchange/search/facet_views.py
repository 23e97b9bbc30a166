"""Facets between the URL and the engine: URL values resolved to index values, and the engine's counts
turned into the lists of values the page and the API show (each value with the arguments that toggle it).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import text

from exchange.caching import version
from exchange.extensions import db
from exchange.practices.profile import parse_age_range
from exchange.search import facets
from exchange.search.parsing import BadSearch, SearchRequest

_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")


@dataclass
class FacetValueView:
    value: str
    label: str
    count: int
    selected: bool
    args: dict  # URL arguments that toggle this value


@dataclass
class FacetView:
    param: str
    label: str
    values: list[FacetValueView]

    @property
    def selected(self) -> list[FacetValueView]:
        return [v for v in self.values if v.selected]


_values_cache: dict[tuple, facets.FacetValues] = {}
_values_lock = threading.Lock()


def current_values() -> facets.FacetValues:
    """`facets.facet_values()` (four reference-table queries and the labels in this language), kept per process
    until the data version changes (one primary-key read): every write to the reference tables raises it.

    Callers only read the mapping; it is shared between requests.
    """
    # Read in the request's own transaction, so the version and the rows read next are of the same snapshot.
    key = (str(db.engine.url), str(get_locale()), db.session.execute(text(version.CURRENT_SQL)).scalar() or 0)
    with _values_lock:
        found = _values_cache.get(key)
    if found is not None:
        return found
    values = facets.facet_values()
    with _values_lock:
        for old in [k for k in _values_cache if k[:2] == key[:2]]:
            del _values_cache[old]  # one data version per database and language
        _values_cache[key] = values
    return values


def resolve_filters(request: SearchRequest, values: facets.FacetValues, strict: bool) -> dict[str, list[str]]:
    """URL facet values -> index values; unknown values are an error (strict) or dropped (and removed)."""
    resolved: dict[str, list[str]] = {}
    for param, wanted in list(request.filters.items()):
        facet = facets.BY_PARAM[param]
        known = values.to_index.get(facet.name, {})
        kept, index_values = [], []
        for value in wanted:
            if facet.name == "year":
                ok = bool(_YEAR.match(value))
                index_value = value
            elif facet.name == "age":
                ages = parse_age_range(value)
                ok, index_value = ages is not None, ages
            else:
                ok = value in known
                index_value = known.get(value)
            if ok and facet.name == "age":
                kept.append(value)
                index_values.extend(str(year) for year in range(index_value[0], index_value[1] + 1))
            elif ok:
                kept.append(value)
                index_values.append(index_value)
            elif strict:
                raise BadSearch(
                    f"Onbekende waarde {value!r} voor '{param}'.",
                    f"Unknown value {value!r} for '{param}'.",
                    param,
                )
        request.filters[param] = kept
        if index_values:
            resolved[facet.name] = index_values
    request.filters = {k: v for k, v in request.filters.items() if v}
    return resolved


def facet_views(
    request: SearchRequest, counts: dict[str, dict[str, int]], values: facets.FacetValues
) -> list[FacetView]:
    """Every facet's values with their counts, labels and toggle arguments; selected values always stay."""
    views = []
    for facet in facets.FACETS:
        found = counts.get(facet.name, {})
        selected = set(request.filters.get(facet.param, []))
        items = []
        for index_value, count in found.items():
            if facet.name == "year":
                url_value, label, position = index_value, index_value, -int(index_value)
            else:
                known = values.to_url.get(facet.name, {}).get(index_value)
                if known is None:
                    continue  # a value of a row removed from the reference data
                url_value, label = known
                position = values.order.get(facet.name, {}).get(index_value, 0)
            items.append(
                (
                    position,
                    FacetValueView(
                        url_value,
                        label,
                        count,
                        url_value in selected,
                        request.toggled(facet.param, url_value),
                    ),
                )
            )
        # Selected values stay visible (with count 0) so they can always be removed with one click.
        present = {item.value for _, item in items}
        for url_value in selected - present:
            index_value = values.to_index.get(facet.name, {}).get(url_value, url_value)
            label = values.to_url.get(facet.name, {}).get(index_value, (url_value, url_value))[1]
            if facet.name == "age":
                label = _("%(a)s–%(b)s jaar", a=url_value.split("-")[0], b=url_value.split("-")[-1])
            items.append(
                (-1, FacetValueView(url_value, label, 0, True, request.toggled(facet.param, url_value)))
            )
        if facet.name in ("region", "theme", "province"):
            items.sort(key=lambda item: (-item[1].count, item[1].label))
        else:
            items.sort(key=lambda item: item[0])
        views.append(FacetView(facet.param, str(facet.label), [item for _, item in items]))
    return views
