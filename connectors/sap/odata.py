"""Reading an OData v2 entity set the way SAP pages it.

:meth:`ODataService.read` asks for ``$top=page_size`` rows at a time, ordered by the
change timestamp and the key, and follows the server's ``__next`` links (``$skiptoken``)
inside each window. A window that came back full is followed by the next one, which
starts *at* the last timestamp read (``ge``) and ``$skip``s only the rows of that one
instant already read. A plain ``$skip`` over the whole result would skip rows whenever
an order changed during the sync (it moves to the end and every later row shifts left);
restarting at the last timestamp keeps each window independent of what changed before it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from connectors.sap.edm import ServiceMetadata, parse_metadata
from connectors.sap.transport import ODataErrorAnswer, ODataTransport, odata_error, plain_url
from orderhub.exceptions import SourceError

logger = logging.getLogger("tap-sap")


def nav_rows(value: Any) -> list[dict[str, Any]] | None:
    """Rows of an expanded navigation (``{"results": [...]}`` or a list); None when it
    was not expanded (``{"__deferred": {...}}``), which is never followed."""
    if value is None:
        return []
    if isinstance(value, dict):
        if "__deferred" in value:
            return None
        results = value.get("results")
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else [value]
    if isinstance(value, list):
        return [r for r in value if isinstance(r, dict)]
    return []


def unwrap(body: Any, where: str) -> tuple[list[Any], int | None, str | None]:
    """Rows, ``__count`` and ``__next`` of a collection answer, in both v2 shapes:
    ``{"d": {"results": [...], "__count": "91", "__next": "..."}}`` and ``{"d": [...]}``."""
    if isinstance(body, dict) and "error" in body:
        message = odata_error(json.dumps(body).encode())
        raise SourceError(f"SAP answered an error for {where}: {message}")
    data = body.get("d") if isinstance(body, dict) else None
    if isinstance(data, list):
        return data, None, None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        count = data.get("__count")
        return data["results"], int(count) if count is not None else None, data.get("__next")
    raise SourceError(f"{where} answered without a d/results collection: {str(body)[:200]}")


def _literal(value: Any) -> str:
    """A key value as an OData v2 string literal (quotes doubled)."""
    text = "" if value is None else str(value)
    return "'" + quote(text.replace("'", "''"), safe="") + "'"


class ODataService:
    """One OData service of one SAP system (a service root URL)."""

    def __init__(
        self,
        transport: ODataTransport,
        root: str,
        *,
        common: Mapping[str, str],
        page_size: int,
        follow_next: bool = True,
    ) -> None:
        self.transport, self.root = transport, root.rstrip("/")
        self.common, self.page_size = dict(common), page_size
        #: False: a page with ``__next`` ends the window, and the next window starts at
        #: its last row (for gateways whose ``$skiptoken`` is a plain offset).
        self.follow_next = follow_next
        self._metadata: ServiceMetadata | None = None

    @property
    def metadata(self) -> ServiceMetadata:
        """The service's own ``$metadata``, read once: it says which property has which
        Edm type (a release may add properties the shipped EDMX lacks)."""
        if self._metadata is None:
            body = self.transport.get(
                f"{self.root}/$metadata", self.common, entity_set="$metadata", as_json=False
            )
            self._metadata = parse_metadata(body)
        return self._metadata

    def next_url(self, link: str) -> str:
        """``__next`` resolved against the service, refused if it leaves its origin: the
        next request carries the credentials."""
        absolute = urljoin(self.root + "/", link)
        mine, theirs = urlsplit(self.root), urlsplit(absolute)
        if (mine.scheme, mine.hostname, mine.port) != (theirs.scheme, theirs.hostname, theirs.port):
            raise SourceError(
                f"Refusing to follow __next to another origin ({plain_url(absolute)}); the "
                f"service is at {plain_url(self.root)}."
            )
        return absolute

    def read(
        self,
        entity_set: str,
        *,
        filter_at: Callable[[str], str],
        start: str,
        moment_of: Callable[[dict[str, Any]], str],
        orderby: str,
        expand: str | None = None,
        key_select: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Rows of ``entity_set`` from the moment literal ``start`` on, in ``orderby``
        order (see the module docstring). ``filter_at(literal)`` is the ``$filter`` of a
        window starting at a moment; ``moment_of(row)`` is a row's moment literal.

        With ``key_select`` (the key and moment properties), a window SAP refuses with an
        OData error body (one entity its gateway cannot serialise fails the whole page) is
        read again entity by entity; an entity that still fails comes back as its
        selected keys plus ``__error__`` (SAP's message), for the caller to pass on as a
        record that is dead-lettered, so the other rows still load.
        """
        url = f"{self.root}/{entity_set}"
        lower, skip, first = start, 0, True
        while True:
            params: dict[str, Any] = {
                **self.common,
                "$filter": filter_at(lower),
                "$orderby": orderby,
                "$top": str(self.page_size),
                "$skip": str(skip),
            }
            if expand:
                params["$expand"] = expand
            if first:
                params["$inlinecount"] = "allpages"
            try:
                rows, cut = self._window(url, params, entity_set, start)
            except ODataErrorAnswer as error:
                if key_select is None:
                    raise
                logger.warning("%s: %s; reading this page one entity at a time", entity_set, error)
                rows, cut = self._one_by_one(url, params, entity_set, key_select)
            first = False
            window = [moment_of(row) for row in rows]
            yield from rows
            if not window or (len(window) < self.page_size and not cut):
                return
            last = window[-1]
            same = sum(1 for moment in window if moment == last)
            skip = skip + same if last == lower else same
            lower = last

    def _window(
        self, url: str, params: dict[str, Any], entity_set: str, start: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """The rows of one window (its ``__next`` pages followed), and whether it was cut
        short at a ``__next`` not followed."""
        window: list[dict[str, Any]] = []
        page_url: str | None = url
        query: dict[str, Any] | None = params
        while page_url:
            body = self.transport.get(page_url, query, entity_set=entity_set)
            rows, count, link = unwrap(body, f"entity set {entity_set}")
            if count is not None and query is not None and "$inlinecount" in query:
                logger.info("%s: %d rows changed since %s", entity_set, count, start)
            for row in rows:
                if not isinstance(row, dict):
                    raise SourceError(
                        f"entity set {entity_set} sent a row that is not an object: "
                        f"{str(row)[:100]}"
                    )
                window.append(row)
            if link and not self.follow_next:
                return window, True
            page_url = self._continuation(self.next_url(link)) if link else None
            query = None  # a __next link carries the whole query
        return window, False

    def _one_by_one(
        self, url: str, params: dict[str, Any], entity_set: str, key_select: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """A refused window again: its keys first, then each entity by its key."""
        keys_only = {k: v for k, v in params.items() if k not in {"$expand", "$inlinecount"}}
        keys, cut = self._window(url, {**keys_only, "$select": key_select}, entity_set, "")
        entity = self.metadata.entity_set(entity_set)
        single = {**self.common}
        if "$expand" in params:
            single["$expand"] = params["$expand"]
        rows: list[dict[str, Any]] = []
        for key in keys:
            if len(entity.keys) == 1:
                predicate = _literal(key.get(entity.keys[0]))
            else:
                predicate = ",".join(f"{k}={_literal(key.get(k))}" for k in entity.keys)
            try:
                body = self.transport.get(f"{url}({predicate})", single, entity_set=entity_set)
            except ODataErrorAnswer as error:
                rows.append({**key, "__error__": error.message})
                continue
            row = body.get("d") if isinstance(body, dict) else None
            if not isinstance(row, dict):
                raise SourceError(f"{entity_set}({predicate}) answered without a d object")
            rows.append(row)
        return rows, cut

    def _continuation(self, link: str) -> str:
        """A ``__next`` link with the parameters SAP needs on every call (sap-client,
        $format) added if the server left them out; the link's own query is kept as is."""
        parts = urlsplit(link)
        present = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        missing = {k: v for k, v in self.common.items() if k not in present}
        if not missing:
            return link
        query = "&".join(filter(None, [parts.query, urlencode(missing)]))
        return urlunsplit(parts._replace(query=query))
