"""GraphQL schema, resolvers and execution for the Shopify simulator.

The schema is the SDL in ``schema.graphql`` built with graphql-core, so parsing, validation and
execution are real: a tap asking for a field Shopify does not have gets the same kind of
validation error it would get from Shopify.  graphql-core's messages are rewritten to the
graphql-ruby wording Shopify uses for the common "unknown field" case so that error handling
code sees realistic text.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    validate,
)

from connectors.shopify.search import SearchError, paginate, parse_search
from connectors.shopify.store import Store

__all__ = ["QueryOutcome", "execute_query", "parse_and_validate", "shopify_schema"]

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
_GID = re.compile(r"^gid://shopify/(?P<kind>[A-Za-z]+)/(?P<id>\d+)(\?.*)?$")
_UNDEFINED_FIELD = re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\.")
_SORT_FIELDS = {
    "UPDATED_AT": "updatedAt",
    "CREATED_AT": "createdAt",
    "PROCESSED_AT": "processedAt",
    "ID": "_numeric_id",
}


def _sort_value(sort_key: str) -> Any:
    attribute = _SORT_FIELDS[sort_key]
    return lambda row: row[attribute]


def _connection(
    info: GraphQLResolveInfo,
    rows: list[dict[str, Any]],
    sort_key: str,
    args: dict[str, Any],
) -> dict[str, Any]:
    query_text = args.get("query")
    search = parse_search(query_text)
    if query_text is not None:
        info.context["search"].append(
            {
                "path": [info.field_name],
                "query": query_text,
                "parsed": [
                    {"field": c.attribute, "op": c.op, "value": str(c.value)}
                    for c in search.conditions
                ],
                "warnings": search.warnings,
            }
        )
    matching = [row for row in rows if search.matches(row)]
    return _page(matching, _sort_value(sort_key), args)


def _store(info: GraphQLResolveInfo) -> Store:
    store: Store = info.context["store"]
    return store


def _numeric(global_id: str, kind: str) -> int | None:
    match = _GID.match(global_id)
    if match is None:
        raise GraphQLError(
            f"Invalid global id '{global_id}'",
            extensions={"code": "argumentLiteralsIncompatible"},
        )
    return int(match["id"]) if match["kind"] == kind else None


def _resolve_orders(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    rows = list(_store(info).orders.values())
    return _connection(info, rows, args.get("sortKey") or "PROCESSED_AT", args)


def _resolve_customers(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    rows = list(_store(info).customers.values())
    return _connection(info, rows, args.get("sortKey") or "ID", args)


def _by_id(table: str, kind: str) -> Any:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        numeric = _numeric(id, kind)
        rows: dict[int, dict[str, Any]] = getattr(_store(info), table)
        return rows.get(numeric) if numeric is not None else None

    return resolve


def _nested_connection(rows_key: str, sort_key: str) -> Any:
    """Resolver paging a list held on the parent (line items of an order, events of a
    fulfillment) the way Shopify pages nested connections."""

    def resolve(parent: dict[str, Any], _info: GraphQLResolveInfo, **args: Any) -> Any:
        return _page(parent[rows_key], lambda row: row[sort_key], args)

    return resolve


def _page(rows: list[dict[str, Any]], sort_value: Any, args: dict[str, Any]) -> Any:
    """One connection page from GraphQL paging arguments; bad cursors are BAD_REQUEST."""
    try:
        return paginate(
            rows,
            sort_value=sort_value,
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
            reverse=bool(args.get("reverse")),
        )
    except SearchError as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_REQUEST"}) from exc


def _truncated(key: str) -> Any:
    """Resolver for ``[X!]!`` fields with an optional ``first`` that truncates the list."""

    def resolve(parent: dict[str, Any], _info: GraphQLResolveInfo, first: int | None = None) -> Any:
        items: list[Any] = parent[key]
        return items if first is None else items[: max(first, 0)]

    return resolve


@cache
def shopify_schema() -> GraphQLSchema:
    """Build the schema once and attach resolvers (data comes from ``context['store']``)."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))

    def type_(name: str) -> GraphQLObjectType:
        found = schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    root = type_("QueryRoot").fields
    root["orders"].resolve = _resolve_orders
    root["customers"].resolve = _resolve_customers
    root["order"].resolve = _by_id("orders", "Order")
    root["customer"].resolve = _by_id("customers", "Customer")
    root["fulfillment"].resolve = _by_id("fulfillments", "Fulfillment")
    root["shop"].resolve = lambda _root, info: _store(info).shop
    order = type_("Order").fields
    order["lineItems"].resolve = _nested_connection("_lines", "_numeric_id")
    order["transactions"].resolve = _truncated("transactions")
    order["fulfillments"].resolve = _truncated("fulfillments")
    fulfillment = type_("Fulfillment").fields
    fulfillment["events"].resolve = _nested_connection("_events", "happenedAt")
    fulfillment["trackingInfo"].resolve = _truncated("trackingInfo")
    return schema


def _shopify_error(error: GraphQLError) -> dict[str, Any]:
    """Format an error like Shopify (graphql-ruby wording for unknown fields)."""
    formatted: dict[str, Any] = dict(error.formatted)
    match = _UNDEFINED_FIELD.match(error.message)
    if match is not None:
        formatted["message"] = f"Field '{match['field']}' doesn't exist on type '{match['type']}'"
        formatted["extensions"] = {
            "code": "undefinedField",
            "typeName": match["type"],
            "fieldName": match["field"],
        }
    return formatted


class QueryOutcome:
    """Result of running one query: errors-only (invalid) or data plus errors."""

    def __init__(
        self,
        *,
        data: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        search: list[dict[str, Any]] | None = None,
    ) -> None:
        self.data = data
        self.errors = errors or []
        self.search = search or []


@lru_cache(maxsize=128)
def parse_and_validate(query: str) -> tuple[DocumentNode | None, list[dict[str, Any]]]:
    """Parse and validate; on failure return Shopify-style error dicts.

    Cached by query text: taps send the same few queries thousands of times, and validation
    costs more than executing a page.  Callers must not mutate the returned values.
    """
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, [_shopify_error(exc)]
    errors = validate(shopify_schema(), document)
    if errors:
        return None, [_shopify_error(error) for error in errors]
    return document, []


def execute_query(
    store: Store,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> QueryOutcome:
    """Execute a validated document against the store."""
    context: dict[str, Any] = {"store": store, "search": []}
    result = execute(
        shopify_schema(),
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
    )
    if isinstance(result, ExecutionResult):
        errors = [_shopify_error(error) for error in (result.errors or [])]
        return QueryOutcome(data=result.data, errors=errors, search=context["search"])
    raise RuntimeError("Asynchronous execution is not supported")  # pragma: no cover
