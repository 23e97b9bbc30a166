"""HTTP details shared by the JSON API and the feeds: parameter errors, conditional GET, CORS and the rate limit.

- Parameter errors: 400 with code "invalid_parameter" and, per parameter, a Dutch and an English text.
- Conditional GET: every successful GET under /api/v1 carries a strong ETag (a hash of the body) and a
  Last-Modified built from cheap version stamps (the newest write to practices, results, cycle steps and
  revisions; the newest change to reference data and theme contacts). If-None-Match wins over
  If-Modified-Since (RFC 9110); both answer 304 without a body.
- CORS: `Access-Control-Allow-Origin: *` without credentials for every /api/ response; OPTIONS preflights
  are answered (Flask adds OPTIONS to every GET route) with the allowed methods and request headers.
- Rate limit: API_RATE_LIMIT per client address for the whole /api/v1 blueprint (default 120 per minute);
  a breach answers 429 JSON with Retry-After (exchange/errors.py writes the body), every counted answer carries
  X-RateLimit-Limit, -Remaining and -Reset.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache, wraps

from flask import Response, current_app, make_response, request
from flask_babel import get_locale
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select
from werkzeug.exceptions import TooManyRequests
from werkzeug.http import http_date

from exchange.caching import version
from exchange.errors import Bilingual, DomainError

log = logging.getLogger(__name__)

DEFAULT_API_RATE_LIMIT = "120 per minute"
CORS_ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CORS_ALLOWED_HEADERS = "Accept, Accept-Language, Cache-Control, If-Modified-Since, If-None-Match"
CORS_EXPOSED_HEADERS = (
    "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
CORS_MAX_AGE = "86400"
# Audit actions that change what the reference endpoints show (theme contacts included).
REFERENCE_AUDIT_ACTIONS = (
    "reference_edited",
    "theme_linked",
    "theme_unlinked",
    "role_changed",
    "user_deactivated",
    "user_reactivated",
    "user_created",
    "invitation_accepted",
    "email_changed",
    "account_deleted",
)


class BadParameter(DomainError):
    status = 400
    code = "invalid_parameter"


def bad_parameters(problems: dict[str, Bilingual]) -> BadParameter:
    """One 400 error naming every bad parameter, each with a Dutch and an English explanation."""
    names = ", ".join(problems)
    return BadParameter(
        Bilingual(f"Ongeldige parameter(s): {names}.", f"Invalid parameter(s): {names}."),
        details={"parameters": {name: {"nl": m.nl, "en": m.en} for name, m in problems.items()}},
    )


def unknown_parameter(allowed: Iterable[str]) -> Bilingual:
    allowed = list(allowed)
    if not allowed:
        return Bilingual(
            "onbekende parameter; dit adres kent geen parameters", "unknown parameter; this URL takes none"
        )
    return Bilingual(
        f"onbekende parameter; gebruik {', '.join(allowed)}", f"unknown parameter; use {', '.join(allowed)}"
    )


def reject_unknown_parameters(
    allowed: Iterable[str] = (), *, single: Iterable[str] | None = None, may_be_empty: Iterable[str] = ()
) -> None:
    """Raise BadParameter when the query string has a parameter outside `allowed`, repeats one of `single`
    (all of `allowed` unless given), gives the same value twice for a repeatable one, or an empty value for
    one not in `may_be_empty`."""
    allowed = tuple(allowed)
    single = set(allowed if single is None else single)
    problems: dict[str, Bilingual] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if name not in allowed:
            problems[name[:60]] = unknown_parameter(allowed)
        elif name in single and len(values) > 1:
            problems[name] = Bilingual("mag maar één keer voorkomen", "may appear only once")
        elif len(set(values)) < len(values):
            problems[name] = Bilingual("bevat een waarde twee keer", "has a value twice")
        elif name not in may_be_empty and "" in values:
            problems[name] = Bilingual(
                "mag niet leeg zijn; laat de parameter weg", "may not be empty; leave it out"
            )
    if problems:
        raise bad_parameters(problems)


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,20}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time with a time zone as an aware UTC datetime.

    Raises ValueError("timezone") when the zone is missing and ValueError("format") when it is no date-time.
    Leap seconds (:60) count as :59; instants before year 1 or after 9999 (in UTC) become the earliest or
    latest representable instant, so every valid RFC 3339 value is accepted.
    """
    if len(text) > 64:
        raise ValueError("format")
    match = _RFC3339.match(text)
    if match is None:
        try:
            value = datetime.fromisoformat(text)  # the other ISO 8601 forms Python reads (3.11+)
        except ValueError:
            raise ValueError("format") from None
        if value.tzinfo is None:
            raise ValueError("timezone")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            return _EARLIEST if value.year < 2 else _LATEST
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_hours, off_minutes = match.groups()[6:]
    try:
        local = datetime(
            max(year, 1), month, day, hour, minute, min(second, 59), int((fraction or "0")[:6].ljust(6, "0"))
        )
    except ValueError:
        raise ValueError("format") from None
    offset = timedelta()
    if not zulu:
        if int(off_hours) > 23 or int(off_minutes) > 59:
            raise ValueError("format")
        offset = timedelta(hours=int(off_hours), minutes=int(off_minutes)) * (1 if sign == "+" else -1)
    try:
        return (local - offset).replace(tzinfo=UTC)
    except OverflowError:
        return _EARLIEST if offset > timedelta() else _LATEST


# --- version stamps -----------------------------------------------------------------------------------------


def _newest(*stamps: datetime | None) -> datetime | None:
    found = [s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps if s is not None]
    return max(found) if found else None


def practices_version() -> datetime | None:
    """The newest write to practices, their revisions, results and cycle steps (one query).

    Revisions, results and steps are stamped with the clock even when an import back-dates a practice's
    `updated_at`, so this moves on every change that can alter what the API, feeds or dump show.
    """
    from exchange.extensions import db
    from exchange.practices.models import CycleStep, Practice, PracticeRevision, Result

    row = db.session.execute(
        select(
            select(func.max(Practice.updated_at)).scalar_subquery(),
            select(func.max(PracticeRevision.created_at)).scalar_subquery(),
            select(func.max(Result.updated_at)).scalar_subquery(),
            select(func.max(CycleStep.created_at)).scalar_subquery(),
        )
    ).one()
    return _newest(*(_as_datetime(v) for v in row))


def reference_version() -> datetime | None:
    """The newest change to regions, reference data edits and theme contacts (one query)."""
    from exchange.accounts.models import AuditEvent, FunctionaryTheme
    from exchange.extensions import db
    from exchange.reference.models import Region

    row = db.session.execute(
        select(
            select(func.max(Region.updated_at)).scalar_subquery(),
            select(func.max(FunctionaryTheme.created_at)).scalar_subquery(),
            select(func.max(AuditEvent.created_at))
            .where(AuditEvent.action.in_(REFERENCE_AUDIT_ACTIONS))
            .scalar_subquery(),
        )
    ).one()
    return _newest(*(_as_datetime(v) for v in row))


def _as_datetime(value) -> datetime | None:
    # max() over a UTCDateTime column in a scalar subquery loses the type decorator on SQLite (a string).
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# Which stamps each API endpoint depends on; endpoints not listed get an ETag only.
ENDPOINT_VERSIONS = {
    "api.regions": (reference_version,),
    "api.region": (reference_version,),
    "api.action_lines": (reference_version,),
    "api.themes": (reference_version,),
    "api.cycle_phases": (reference_version,),
    "api.practices": (practices_version, reference_version),
    "api.practice": (practices_version, reference_version),
    "api.results": (practices_version, reference_version),
    "api.search": (practices_version, reference_version),
    "api.openapi_document": (reference_version,),
}


def data_version() -> int:
    """The data version (`exchange/caching/version.py`), read once per request (`version.for_request`)."""
    return version.for_request()


def last_modified_for(endpoint: str | None) -> datetime | None:
    """The newest stamp the endpoint depends on, computed once per data version and worker.

    Every write that can move a stamp is a visible write, which raises the data version, so the stamps of the
    current version can be kept: a visitor-cache hit then costs no aggregate queries."""
    stamps = ENDPOINT_VERSIONS.get(endpoint or "", ())
    if not stamps:
        return None
    current = data_version()
    held = current_app.extensions.get("api_last_modified")
    if held is None or held[0] != current:
        held = current_app.extensions["api_last_modified"] = (current, {})
    if stamps not in held[1]:
        held[1][stamps] = _newest(*(stamp() for stamp in stamps))
    return held[1][stamps]


def version_tag() -> str:
    """A strong ETag for an answer that depends only on the data, the URL and the language: a hash of the
    data version, scheme and host, path, sorted query and locale."""
    query = sorted(request.args.items(multi=True))
    key = repr((data_version(), request.host_url, request.path, query, str(get_locale())))
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


def version_etag(view: Callable) -> Callable:
    """Tag a read with `version_tag()` before it runs, and answer a matching If-None-Match with 304 without
    running it (or reading the visitor cache). The tag changes with every visible write."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        tag = version_tag()
        if request.if_none_match.contains_weak(tag):
            response = Response(status=304)
            response.set_etag(tag)
            response.cache_control.public = True
            response.cache_control.no_cache = True
            return response
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            response.set_etag(tag)
        return response

    return wrapper


# Stored by any cache, but always revalidated: the ETag makes that cheap.
CACHE_CONTROL = "public, no-cache"
# The request headers `Response.make_conditional` reads (ranges are not offered, so Range is ignored).
_CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def make_conditional(response: Response, last_modified: datetime | None) -> Response:
    """Add a strong ETag over the body (unless the view set one, see `version_etag`) and Last-Modified, then
    answer 304 when the client's copy is current.

    The headers are written as strings (`Cache-Control` replaced whole: no API view sets its own), and only a
    request that carries a condition goes through Werkzeug's `make_conditional` (for any other it would only add
    a Date, which the server sends): together a sixth of a stored list answer's time."""
    if response.get_etag()[0] is None:
        response.add_etag()
    headers = response.headers
    # HTTP dates have whole seconds. A Last-Modified of the current second could hide a change later in that
    # same second from If-Modified-Since, so it is only sent once that second is over (the ETag is exact).
    if last_modified is not None and int(last_modified.timestamp()) < int(time.time()):
        headers["Last-Modified"] = http_date(last_modified)
    headers["Cache-Control"] = CACHE_CONTROL
    environ = request.environ
    if any(name in environ for name in _CONDITIONAL_HEADERS):
        return response.make_conditional(request)
    return response


# --- hooks ----------------------------------------------------------------------------------------------------


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def add_api_headers(response: Response) -> Response:
    """Conditional GET for successful API reads, and CORS on every /api/ response (errors included)."""
    if not _is_api_request():
        return response
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
        and request.endpoint is not None
    ):
        response = make_conditional(response, last_modified_for(request.endpoint))
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = CORS_ALLOWED_METHODS
        headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    return response


def api_rate_limit() -> str:
    """The per-address limit for /api/v1 (Flask-Limiter notation), from config or the environment."""
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_API_RATE_LIMIT


# The rate limit is counted with `limits` (the library under Flask-Limiter) in the same storage
# (RATELIMIT_STORAGE_URI), a fixed window per client address shared by every route of the blueprint. Flask-Limiter's
# own per-request bookkeeping (resolving the route's limits, then its header hooks) cost about 0.2 ms of a cached
# API answer of 0.85 ms; this check costs one counter increment and one read.
LIMIT_SCOPE = "api"
_LIMIT_STATE = "exchange.api.rate_limit"
_LIMITER_KEY = "api_rate_limiter"


@lru_cache(maxsize=8)
def _parsed_limit(text: str) -> RateLimitItem:
    return parse_limit(text)


class LocalFixedWindow:
    """The fixed-window count of `limits.strategies.FixedWindowRateLimiter` for `memory://`, kept in this process.

    `limits`' own memory storage starts a timer thread to expire its keys whenever none runs (every ~10 ms under
    load): about a tenth of a cached API answer's time went into starting threads. Here the windows are kept in
    the order they started; all last one period, so the ended ones are at the front and are dropped as new ones
    start. As with `limits`, a window starts with its first hit and lasts the item's period."""

    def __init__(self) -> None:
        self._windows: OrderedDict[str, list[float]] = OrderedDict()  # key -> [ends at, hits]
        self._lock = threading.Lock()

    def count(self, item: RateLimitItem, *identifiers: str) -> tuple[bool, float, int]:
        """Count one hit: (allowed, when the window ends in epoch seconds, hits left in it)."""
        now = time.time()
        key = item.key_for(*identifiers)
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                while self._windows:
                    oldest = next(iter(self._windows.values()))
                    if oldest[0] > now:
                        break
                    self._windows.popitem(last=False)
                self._windows.pop(key, None)
                window = self._windows[key] = [now + item.get_expiry(), 0]
            allowed = window[1] < item.amount
            if allowed:
                window[1] += 1
            return allowed, window[0], max(0, item.amount - int(window[1]))


def _limiter() -> FixedWindowRateLimiter | LocalFixedWindow:
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    held = current_app.extensions.get(_LIMITER_KEY)
    if held is None or held[0] != uri:
        counter = (
            LocalFixedWindow() if uri == "memory://" else FixedWindowRateLimiter(storage_from_string(uri))
        )
        held = current_app.extensions[_LIMITER_KEY] = (uri, counter)
    return held[1]


def check_rate_limit() -> None:
    """Count this request against its address's budget; over it, 429 with Retry-After. Preflights (OPTIONS)
    are not counted: browsers send them on their own. A storage that cannot be reached lets the request through
    (logged): the API is read-only, and refusing every reader would be worse than counting none for a while."""
    if request.method == "OPTIONS":
        return
    item = _parsed_limit(api_rate_limit())
    address = request.remote_addr or "unknown"
    try:
        limiter = _limiter()
        if isinstance(limiter, LocalFixedWindow):
            allowed, reset, remaining = limiter.count(item, LIMIT_SCOPE, address)
        else:
            allowed = limiter.hit(item, LIMIT_SCOPE, address)
            reset, remaining = limiter.get_window_stats(item, LIMIT_SCOPE, address)
    except Exception:
        log.warning("API rate limit storage failed; request not counted", exc_info=True)
        return
    request.environ[_LIMIT_STATE] = (item.amount, remaining, int(reset))
    if not allowed:
        raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


def add_rate_limit_headers(response: Response) -> Response:
    """X-RateLimit-Limit, -Remaining and -Reset (epoch seconds) on every counted answer, 429 included."""
    state = request.environ.get(_LIMIT_STATE)
    if state is not None:
        limit, remaining, reset = state
        headers = response.headers
        headers["X-RateLimit-Limit"] = str(limit)
        headers["X-RateLimit-Remaining"] = str(remaining)
        headers["X-RateLimit-Reset"] = str(reset)
    return response


def limit_blueprint(bp) -> None:
    """Put the API rate limit on every route of `bp`, counted per client address across the blueprint."""
    bp.before_request(check_rate_limit)
    bp.after_request(add_rate_limit_headers)
