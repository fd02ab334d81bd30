"""Shopify GraphQL query cost, computed from the query text alone.

Shopify charges every query from a leaky bucket and refuses single queries costing more than
1000 points.  Both the simulator (to charge and throttle like Shopify) and the tap (to pick the
largest page that fits under the limit) need the same arithmetic, so it lives here once.

The rules (shopify.dev "Rate limits / calculating query costs"):

* scalar and enum fields cost 0 - in GraphQL these are exactly the fields without a
  selection set, so no schema is needed;
* an object field costs 1 plus the cost of its selection;
* a connection (a field selecting ``edges``, ``nodes`` or ``pageInfo``) costs
  ``2 + first × cost of one node``, where one node costs 1 plus its selection; ``edges``,
  ``cursor`` and ``pageInfo`` are free;
* a list of objects sized by ``first``/``last`` costs ``2 + first × cost of one element``; a
  list without a size argument is charged as one element.

The *actual* cost replaces the requested sizes with what was really returned (Shopify refunds
the difference to the bucket); it never exceeds the requested cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

__all__ = ["MAX_QUERY_COST", "actual_cost", "connection_page_limit", "requested_cost"]

#: Shopify's single-query limit.
MAX_QUERY_COST = 1000

_CONNECTION_MARKERS = frozenset({"edges", "nodes", "pageInfo"})


class _Walker:
    """Walks one operation, resolving variables and fragments."""

    def __init__(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
    ) -> None:
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        operations: list[OperationDefinitionNode] = []
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode):
                operations.append(definition)
        chosen = [
            op
            for op in operations
            if operation_name is None or (op.name is not None and op.name.value == operation_name)
        ]
        if not chosen:
            raise ValueError(f"Unknown operation {operation_name!r}")
        self.operation = chosen[0]
        self.variables: dict[str, Any] = {}
        for var_def in self.operation.variable_definitions or ():
            name = var_def.variable.name.value
            if var_def.default_value is not None:
                self.variables[name] = value_from_ast_untyped(var_def.default_value)
        self.variables.update(variables or {})

    def fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """Flatten fragments so that cost rules only ever see fields."""
        result: list[FieldNode] = []
        if selection_set is None:
            return result
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                result.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                result.extend(self.fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    result.extend(self.fields(fragment.selection_set))
        return result

    def size(self, field: FieldNode) -> int | None:
        """The ``first``/``last`` argument of a field, if any."""
        for argument in field.arguments or ():
            if argument.name.value in {"first", "last"}:
                value = value_from_ast_untyped(argument.value, self.variables)
                if isinstance(value, int):
                    return max(value, 0)
        return None

    # -- requested cost ---------------------------------------------------------------------

    def requested(self, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for field in self.fields(selection_set):
            if field.selection_set is None or field.name.value == "__typename":
                continue
            children = self.fields(field.selection_set)
            size = self.size(field)
            if any(child.name.value in _CONNECTION_MARKERS for child in children):
                total += 2 + (size if size is not None else 1) * (1 + self._node_requested(field))
            elif size is not None:
                total += 2 + size * (1 + self.requested(field.selection_set))
            else:
                total += 1 + self.requested(field.selection_set)
        return total

    def _node_requested(self, connection: FieldNode) -> int:
        """Cost of one node's selection; ``edges { node }`` and ``nodes`` are alternatives."""
        best = 0
        for child in self.fields(connection.selection_set):
            if child.name.value == "nodes":
                best = max(best, self.requested(child.selection_set))
            elif child.name.value == "edges":
                for edge_field in self.fields(child.selection_set):
                    if edge_field.name.value == "node":
                        best = max(best, self.requested(edge_field.selection_set))
        return best

    # -- actual cost ------------------------------------------------------------------------

    def actual(self, selection_set: SelectionSetNode | None, data: Any) -> int:
        if not isinstance(data, Mapping):
            return 0
        total = 0
        for field in self.fields(selection_set):
            if field.selection_set is None or field.name.value == "__typename":
                continue
            key = field.alias.value if field.alias else field.name.value
            value = data.get(key)
            children = self.fields(field.selection_set)
            if any(child.name.value in _CONNECTION_MARKERS for child in children):
                total += 2 + self._nodes_actual(field, value)
            elif isinstance(value, Sequence) and not isinstance(value, str):
                elements = sum(1 + self.actual(field.selection_set, item) for item in value)
                total += elements + (2 if self.size(field) is not None else 0)
            elif value is not None:
                total += 1 + self.actual(field.selection_set, value)
        return total

    def _nodes_actual(self, connection: FieldNode, value: Any) -> int:
        if not isinstance(value, Mapping):
            return 0
        best = 0
        for child in self.fields(connection.selection_set):
            key = child.alias.value if child.alias else child.name.value
            items = value.get(key) or []
            if child.name.value == "nodes":
                best = max(best, sum(1 + self.actual(child.selection_set, n) for n in items))
            elif child.name.value == "edges":
                for edge_field in self.fields(child.selection_set):
                    if edge_field.name.value != "node":
                        continue
                    node_key = edge_field.alias.value if edge_field.alias else "node"
                    cost = sum(
                        1 + self.actual(edge_field.selection_set, edge.get(node_key))
                        for edge in items
                        if isinstance(edge, Mapping)
                    )
                    best = max(best, cost)
        return best


def _document(query: str | DocumentNode) -> DocumentNode:
    return parse(query) if isinstance(query, str) else query


def requested_cost(
    query: str | DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """Cost Shopify charges up front for a query (``extensions.cost.requestedQueryCost``)."""
    walker = _Walker(_document(query), variables, operation_name)
    return walker.requested(walker.operation.selection_set)


def actual_cost(
    query: str | DocumentNode,
    data: Mapping[str, Any] | None,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """Cost of what was really returned (``actualQueryCost``), capped at the requested cost."""
    walker = _Walker(_document(query), variables, operation_name)
    requested = walker.requested(walker.operation.selection_set)
    return min(requested, walker.actual(walker.operation.selection_set, data or {}))


def connection_page_limit(
    query: str,
    variables: Mapping[str, Any],
    page_variable: str = "first",
    max_cost: int = MAX_QUERY_COST,
) -> int:
    """Largest value of ``page_variable`` keeping the query at or under ``max_cost``.

    Cost is linear in the top-level page size, so two evaluations give the slope.  Returns at
    least 1: a query too expensive even for one node is the caller's bug and Shopify will say
    so with MAX_COST_EXCEEDED.
    """
    document = parse(query)
    base = requested_cost(document, {**variables, page_variable: 0})
    per_node = requested_cost(document, {**variables, page_variable: 1}) - base
    if per_node <= 0:
        return 250
    return max(1, (max_cost - base) // per_node)
