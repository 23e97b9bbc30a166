"""`@visitor_cached`: a view's answer for visitors (not signed in), kept per worker until the data version changes.

The key is the language, host, path, sorted query and the data version (`caching.version`), so the first request
after any visible write renders afresh. What differs per visitor stays outside the stored copy: the stored copy
is split where the CSRF token was and joined with each answer's own token, and a request with flash messages
waiting is rendered (and not stored). Signed-in people never get a stored copy. Only 200 answers are kept, for at most
`VISITOR_CACHE_SECONDS`, in a least-recently-used store of `VISITOR_CACHE_ENTRIES` answers and
`VISITOR_CACHE_BYTES` bytes per worker; `VISITOR_CACHE_ENTRIES = 0` turns it off.

`@visitor_cached(key_extra=..., on_hit=...)` is for views whose answer depends on more than the data version (the
search page: the index generation) or that must do something per request even when served from the store (the
search page counts searches without results): `key_extra()` adds to the key (None: render and do not store),
the view may set `g.visitor_cache_meta` (kept with the answer and passed to `on_hit(meta)` on every stored
answer) and `g.visitor_cache_skip` (this answer is not stored).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from exchange.caching import version
from exchange.signing import csrf_token

MAX_QUERY_LENGTH = 512


@dataclass(frozen=True)
class Stored:
    # The body split where the request that rendered it had its CSRF token (one part when it had none): each
    # answer joins the parts with its own token. Joining copies the body once; replacing a placeholder searched
    # it as well (a fifth of a stored 270 KB workspace answer's time).
    parts: tuple[bytes, ...]
    headers: tuple[tuple[str, str], ...]
    stored_at: float
    meta: object = None  # what the view put in g.visitor_cache_meta (see visitor_cached's key_extra/on_hit)
    size: int = 0  # bytes of the body

    def body(self) -> bytes:
        """The body with this request's CSRF token."""
        if len(self.parts) == 1:
            return self.parts[0]
        return csrf_token().encode().join(self.parts)


def stored_copy(response: Response, meta: object = None) -> Stored:
    """What a store keeps of a rendered 200 answer: the body split at this request's CSRF token (filled in per
    answer), and its headers without length, cookies and Vary."""
    body = response.get_data()
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    parts = tuple(body.split(token.encode())) if token else (body,)
    headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "set-cookie", "vary")
    )
    return Stored(parts, headers, time.monotonic(), meta, len(body))


def answer(item: Stored) -> Response:
    """A 200 answer from a stored copy, with this request's CSRF token."""
    return Response(item.body(), status=200, headers=list(item.headers))


class LRU:
    """A small thread-safe least-recently-used store bounded by entries and bytes."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries, self.max_bytes, self.size = entries, max_bytes, 0
        self._items: OrderedDict[tuple, Stored] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> Stored | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: tuple, item: Stored) -> None:
        if item.size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old.size
            self._items[key] = item
            self.size += item.size
            while self._items and (len(self._items) > self.entries or self.size > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self.size -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._items)


def store() -> LRU | None:
    """This app's (this worker's) store, or None when the cache is off."""
    entries = current_app.config.get("VISITOR_CACHE_ENTRIES", 0)
    if not entries:
        return None
    lru = current_app.extensions.get("visitor_cache")
    if lru is None:
        lru = current_app.extensions["visitor_cache"] = LRU(
            entries, current_app.config.get("VISITOR_CACHE_BYTES", 64 * 1024 * 1024)
        )
    return lru


def _key() -> tuple | None:
    if len(request.query_string) > MAX_QUERY_LENGTH:
        return None
    query = tuple(sorted(request.args.items(multi=True)))
    return (str(get_locale()), request.host, request.path, query, version.for_request())


def visitor_cached(
    view: Callable | None = None,
    *,
    key_extra: Callable[[], tuple | None] | None = None,
    on_hit: Callable[[object], None] | None = None,
):
    """Serve visitors a stored copy of `view`'s answer while the data version is unchanged (see the module).

    Used bare (`@visitor_cached`) or with `key_extra`/`on_hit` (`@visitor_cached(key_extra=...)`).
    """
    if view is None:
        return lambda inner: _cached(inner, key_extra, on_hit)
    return _cached(view, key_extra, on_hit)


def _cached(
    view: Callable,
    key_extra: Callable[[], tuple | None] | None,
    on_hit: Callable[[object], None] | None,
) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        lru = store()
        if (
            lru is None
            or request.method != "GET"
            or "_flashes" in session
            or getattr(current_user, "is_authenticated", False)
        ):
            return view(*args, **kwargs)
        key = _key()
        if key is not None and key_extra is not None:
            extra = key_extra()
            key = None if extra is None else (*key, extra)
        if key is None:
            return view(*args, **kwargs)
        g.pop("visitor_cache_meta", None)  # set by this request's view only (an outer app context shares g)
        g.pop("visitor_cache_skip", None)
        item = lru.get(key)
        if item is not None and time.monotonic() - item.stored_at < current_app.config.get(
            "VISITOR_CACHE_SECONDS", 300
        ):
            if on_hit is not None:
                on_hit(item.meta)
            return answer(item)
        response = make_response(view(*args, **kwargs))
        if (
            response.status_code == 200
            and not response.direct_passthrough
            and not response.is_streamed
            and not g.get("visitor_cache_skip")
        ):
            lru.put(key, stored_copy(response, g.get("visitor_cache_meta")))
        return response

    return wrapper
