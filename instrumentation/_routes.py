"""``http.route``: the route template a request matched, never its raw path.

Starlette's router (and FastAPI's) leave the matched route in ``scope["route"]``; its
``path_format`` is the template (``/users/{user_id}``). Two cases need more than that:

* FastAPI ``include_router(prefix=...)``: the route object keeps its own, unprefixed
  path; FastAPI records the effective, prefixed template in ``scope["fastapi"]``.
* Starlette ``Mount``: the inner router overwrites ``scope["route"]`` with the inner
  route, and only the *concrete* consumed prefix shows (in ``root_path``). We then match
  the outermost router's tree once more, template by template, and cache the answer per
  (route, consumed prefix), with a bounded cache.

Everything is duck-typed: this module imports neither Starlette nor FastAPI. A request
that matched no route gets no template (``None``), never its path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any, Final

__all__ = ["RouteResolver"]

logger = logging.getLogger(__name__)

_MATCH_FULL: Final = "FULL"
_MATCH_PARTIAL: Final = "PARTIAL"
_MOUNT_SUFFIX: Final = "/{path}"
_DEFAULT_CACHE_SIZE: Final = 1024


class RouteResolver:
    """Finds the route template of a finished request from its ASGI scope."""

    __slots__ = ("_cache", "_cache_size")

    def __init__(self, cache_size: int = _DEFAULT_CACHE_SIZE) -> None:
        self._cache: dict[tuple[int, str], tuple[object, str | None]] = {}
        self._cache_size = cache_size

    def resolve(self, scope: MutableMapping[str, Any], start_root_path: str) -> str | None:
        """The template for a request whose ``root_path`` was ``start_root_path`` on entry.

        Call it after the application has handled the request (or at least routed it).
        """
        route = scope.get("route")
        consumed = scope.get("root_path", "")
        if consumed == start_root_path:
            effective = _fastapi_effective_template(scope)
            if effective is not None:
                return effective
            return None if route is None else _template_of(route)
        if route is None:
            return None
        return self._mounted(scope, route, consumed[len(start_root_path) :], start_root_path)

    def _mounted(
        self, scope: MutableMapping[str, Any], route: object, consumed: str, root_path: str
    ) -> str | None:
        key = (id(route), consumed)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is route:
            return cached[1]
        router = scope.get("router")
        template = None
        if router is not None:
            probe = {
                "type": scope["type"],
                "method": scope.get("method", "GET"),
                "path": scope["path"],
                "root_path": root_path,
                "path_params": {},
            }
            template = _match(getattr(router, "routes", ()), probe, "")
        if template is None:
            logger.debug("mounted route has no template", extra={"route": repr(route)})
        if len(self._cache) < self._cache_size:
            # The route object is kept in the value so that its id cannot be reused.
            self._cache[key] = (route, template)
        return template


def _template_of(route: object) -> str | None:
    template = getattr(route, "path_format", None)
    if isinstance(template, str):
        return template
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


def _fastapi_effective_template(scope: MutableMapping[str, Any]) -> str | None:
    state = scope.get("fastapi")
    if not isinstance(state, dict):
        return None
    context = state.get("effective_route_context")
    if context is None:
        return None
    starlette_route = getattr(context, "starlette_route", None)
    template = getattr(starlette_route, "path_format", None) or getattr(
        context, "path_format", None
    )
    return template if isinstance(template, str) else None


def _flatten(routes: Iterable[object]) -> Iterator[object]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        else:
            yield route


def _match(routes: Iterable[object], probe: dict[str, Any], prefix: str) -> str | None:
    partial: str | None = None
    for route in _flatten(routes):
        matches = getattr(route, "matches", None)
        if not callable(matches):
            continue
        try:
            match, child_scope = matches(probe)
        except (KeyError, TypeError, ValueError):
            continue
        kind = getattr(match, "name", "")
        if kind not in (_MATCH_FULL, _MATCH_PARTIAL):
            continue
        children = getattr(route, "routes", None)
        template = _template_of(route)
        if children is not None and template is not None and template.endswith(_MOUNT_SUFFIX):
            mount_prefix = prefix + template[: -len(_MOUNT_SUFFIX)]
            inner = dict(probe)
            inner.update(child_scope)
            found = _match(children, inner, mount_prefix)
            # A mounted app without a router of its own (static files, another
            # framework) gets the mount's template, ``/static/{path}``.
            return found if found is not None else prefix + template
        if template is None:
            continue
        if kind == _MATCH_FULL:
            return prefix + template
        if partial is None:
            partial = prefix + template
    return partial
