"""One simulated OData v2 service: ``$metadata``, entity-set queries and paging.

Collections are answered as SAP Gateway does: ``$filter`` (type-checked), ``$orderby``,
``$skip``/``$top``, ``$inlinecount=allpages`` (``__count`` as a string), ``$expand`` (also
nested, ``a/b``), and server-driven paging: at most ``server_page_size`` rows per answer
with a ``__next`` link carrying an opaque ``$skiptoken``. The token remembers where the
page ended by sort key, so rows that change between pages neither repeat nor vanish.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlencode

from connectors.sap.edm import EntityType, ServiceMetadata, parse_metadata, shipped_metadata
from connectors.sap.sim_odata import (
    QueryError,
    matches,
    parse_expand,
    parse_filter,
    render_value,
    sort_key,
)

Rows = Callable[[], list[dict[str, Any]]]


class SimulatedService:
    """A service root: its metadata document and a row provider per entity set."""

    def __init__(self, name: str, providers: Mapping[str, Rows]) -> None:
        self.name = name
        self.document = shipped_metadata(name)
        self.metadata: ServiceMetadata = parse_metadata(self.document)
        self.providers = dict(providers)
        self.set_of_type = {t: s for s, t in self.metadata.entity_sets.items()}
        self._tokens: dict[str, tuple[tuple[Any, ...], int]] = {}
        #: Rows per answer before a __next link (None: all of them).
        self.server_page_size: int | None = None
        #: "results" ({"d": {"results": [...]}}) or "list" ({"d": [...]}, no __next/__count).
        self.envelope = "results"

    def uri(self, base: str, entity: EntityType, row: Mapping[str, Any]) -> str:
        keys = entity.keys
        if len(keys) == 1:
            predicate = f"'{row.get(keys[0]) or ''}'"
        else:
            predicate = ",".join(f"{k}='{row.get(k) or ''}'" for k in keys)
        return f"{base}/{self.set_of_type.get(entity.name, entity.name)}({predicate})"

    def render(
        self, base: str, entity: EntityType, row: Mapping[str, Any], expand: dict[str, Any]
    ) -> dict[str, Any]:
        uri = self.uri(base, entity, row)
        out: dict[str, Any] = {
            "__metadata": {"id": uri, "uri": uri, "type": f"{self.name}.{entity.name}"}
        }
        if "LastChangeDateTime" in entity.properties:
            stamp = render_value(
                entity.properties["LastChangeDateTime"], row.get("LastChangeDateTime")
            )
            out["__metadata"]["etag"] = f"W/\"datetimeoffset'{stamp}'\""
        for name, prop in entity.properties.items():
            out[name] = render_value(prop, row.get(name))
        for nav, (target, many) in entity.navigations.items():
            if nav not in expand:
                out[nav] = {"__deferred": {"uri": f"{uri}/{nav}"}}
                continue
            child = self.metadata.types[target]
            children = [
                self.render(base, child, c, expand[nav]) for c in row.get("_navs", {}).get(nav, [])
            ]
            out[nav] = {"results": children} if many else (children[0] if children else None)
        return out

    def answer(self, base: str, resource: str, query: Mapping[str, str]) -> dict[str, Any]:
        """The JSON answer to ``GET <base>/<resource>?<query>``: a collection, or one
        entity by its key (``A_SalesOrder('0000010005')``)."""
        match = _ENTITY.match(resource)
        if not match:
            return self.collection(base, resource, query)
        entity_set, predicate = match.groups()
        if entity_set not in self.providers:
            raise _not_found(entity_set)
        entity = self.metadata.entity_set(entity_set)
        wanted = _key_values(predicate, entity.keys)
        for row in self.providers[entity_set]():
            if all(str(row.get(k) or "") == v for k, v in wanted.items()):
                _check_poison([row], query)
                expand = parse_expand(query.get("$expand"))
                return {"d": self.render(base, entity, row, expand)}
        raise QueryError(
            "/IWBEP/CM_MGW_RT/020", f"Resource not found for segment '{entity.name}'", status=404
        )

    def collection(self, base: str, entity_set: str, query: Mapping[str, str]) -> dict[str, Any]:
        """The JSON answer to ``GET <base>/<entity_set>?<query>``."""
        if entity_set not in self.providers:
            raise QueryError(
                "/IWBEP/CM_MGW_RT/020",
                f"Resource not found for segment '{entity_set}'",
                status=404,
            )
        entity = self.metadata.entity_set(entity_set)
        rows = self.providers[entity_set]()
        if query.get("$filter"):
            tree = parse_filter(query["$filter"], entity)
            rows = [r for r in rows if matches(tree, r)]
        orderby = ",".join([query.get("$orderby", ""), *entity.keys]).strip(",")
        key = sort_key(orderby, entity)
        rows.sort(key=key)
        count = len(rows)
        skip, top = _int(query, "$skip", 0), _int(query, "$top", None)
        rows = rows[skip:]
        if top is not None:
            rows = rows[:top]
        served = 0
        token = query.get("$skiptoken")
        if token:
            if token not in self._tokens:
                raise QueryError("/IWBEP/CM_MGW_RT/004", f"Invalid skiptoken '{token}'")
            after, served = self._tokens[token]
            rows = [r for r in rows if key(r) > after]
            if top is not None:
                rows = rows[: max(0, top - served)]
        expand = parse_expand(query.get("$expand"))
        for name in expand:
            if name not in entity.navigations:
                raise QueryError(
                    "/IWBEP/CM_MGW_RT/021",
                    f"Property '{name}' is not a navigation property of {entity.name}",
                )
        select = {n.strip() for n in query.get("$select", "").split(",") if n.strip()}
        page = rows if self.server_page_size is None else rows[: self.server_page_size]
        _check_poison(rows if self.envelope == "list" else page, query)

        def render(row: dict[str, Any]) -> dict[str, Any]:
            out = self.render(base, entity, row, expand)
            if select:  # only what was selected (and the navigations it expands)
                out = {k: v for k, v in out.items() if k in select or k in expand or k[:2] == "__"}
            return out

        if self.envelope == "list":
            return {"d": [render(r) for r in rows]}
        body: dict[str, Any] = {"results": [render(r) for r in page]}
        if query.get("$inlinecount") == "allpages":
            body["__count"] = str(count)
        if len(page) < len(rows):
            token = secrets.token_hex(8)
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[token] = (key(page[-1]), served + len(page))
            kept = {k: v for k, v in query.items() if k != "$skiptoken"}
            body["__next"] = f"{base}/{entity_set}?{urlencode({**kept, '$skiptoken': token})}"
        return {"d": body}


_ENTITY = re.compile(r"^(\w+)\((.*)\)$")


def _not_found(entity_set: str) -> QueryError:
    return QueryError(
        "/IWBEP/CM_MGW_RT/020", f"Resource not found for segment '{entity_set}'", status=404
    )


def _key_values(predicate: str, keys: tuple[str, ...]) -> dict[str, str]:
    """``'x'`` or ``K1='x',K2='y'`` as {key: value}."""
    if len(keys) == 1 and "=" not in predicate:
        return {keys[0]: unquote(predicate).strip("'").replace("''", "'")}
    pairs = dict(part.split("=", 1) for part in predicate.split(","))
    return {k: unquote(v).strip("'").replace("''", "'") for k, v in pairs.items()}


def _check_poison(rows: list[dict[str, Any]], query: Mapping[str, str]) -> None:
    """A row whose data the gateway cannot serialise (``_poison``) fails the whole answer
    with a 500 and SAP's message, unless ``$select`` leaves the bad data out."""
    if query.get("$select"):
        return
    for row in rows:
        if row.get("_poison"):
            raise QueryError("/IWBEP/CM_MGW_RT/005", str(row["_poison"]), status=500)


def _int(query: Mapping[str, str], name: str, default: int | None) -> Any:
    if name not in query:
        return default
    try:
        value = int(query[name])
    except ValueError:
        raise QueryError("/IWBEP/CM_MGW_RT/004", f"Invalid value for {name}") from None
    if value < 0:
        raise QueryError("/IWBEP/CM_MGW_RT/004", f"Invalid value for {name}")
    return value
