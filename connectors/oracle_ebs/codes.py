"""The EBS codes the tap and simulator know: flow statuses, line stages, released statuses.

The order of ``LINE_STAGES`` is the Order Management line workflow: an order is as far
as its least advanced open line, which is what the tap reports as
``LINES_FLOW_STATUS_CODE`` and ``mappings/oracle_ebs/code_tables.yml`` maps.
Sources: source-apis.md section 4 (Cortex OrderLines.sql / SalesOrders.sql, the
FLOW_STATUS lookup as listed by EBS functional notes). Codes marked R12 quote-phase are
from the negotiation (quote) flow and precede ENTERED.
"""

from __future__ import annotations

#: Header FLOW_STATUS_CODE: the fulfilment phase, then the R12 negotiation (quote) phase.
HEADER_FLOW_STATUSES: tuple[str, ...] = (
    "ENTERED",
    "BOOKED",
    "CLOSED",
    "CANCELLED",
    "DRAFT",
    "DRAFT_SUBMITTED",
    "PENDING_INTERNAL_APPROVAL",
    "INTERNAL_APPROVED",
    "DRAFT_INTERNAL_REJECTED",
    "PENDING_CUSTOMER_ACCEPTANCE",
    "CUSTOMER_ACCEPTED",
    "DRAFT_CUSTOMER_REJECTED",
    "OFFER_EXPIRED",
    "LOST",
)

#: Line FLOW_STATUS_CODE of ORDER lines, least advanced first; equal stages share a rank.
LINE_STAGES: tuple[tuple[str, ...], ...] = (
    ("ENTERED",),
    ("BOOKED", "AWAITING_APPROVAL", "AWAITING_PAYMENT"),
    (
        "AWAITING_EXPORT_SCREENING",
        "EXPORT_SCREENING_COMPLETED",
        "SUPPLY_ELIGIBLE",
        "AWAITING_SUPPLY",
        "AWAITING_RECEIPT",
        "PO_REQ_REQUESTED",
        "PO_REQ_CREATED",
        "PO_CREATED",
        "PO_PARTIAL",
        "PO_RECEIVED",
        "PRODUCTION_OPEN",
        "PRODUCTION_PARTIAL",
        "PRODUCTION_COMPLETE",
    ),
    ("AWAITING_SHIPPING",),
    ("PICKED_PARTIAL", "PICKED"),
    ("SHIPPED",),
    ("AWAITING_FULFILLMENT", "FULFILLED"),
    (
        "PRE-BILLING_ACCEPTANCE",
        "INVOICE_HOLD",
        "INVOICE_INCOMPLETE",
        "INVOICE_NOT_APPLICABLE",
        "INVOICE_DELIVERY",
        "INVOICE_UNEXPECTED_ERROR",
        "INVOICED_PARTIAL",
        "INVOICED",
        "INTERFACED_TO_RECEIVABLES",
    ),
    ("CLOSED",),
)

#: Line FLOW_STATUS_CODE of RETURN (RMA) lines.
RETURN_LINE_STATUSES: tuple[str, ...] = (
    "AWAITING_RETURN",
    "AWAITING_RETURN_DISPOSITION",
    "RETURNED",
)

LINE_RANK: dict[str, int] = {code: rank for rank, codes in enumerate(LINE_STAGES) for code in codes}
LINE_FLOW_STATUSES: tuple[str, ...] = (
    *(code for codes in LINE_STAGES for code in codes),
    *RETURN_LINE_STATUSES,
    "CANCELLED",
)

#: ORDER_CATEGORY_CODE of a header: sales order, return (RMA) or both kinds of lines.
ORDER_CATEGORIES: tuple[str, ...] = ("ORDER", "RETURN", "MIXED")

#: WSH_DELIVERY_DETAILS.RELEASED_STATUS (source-apis.md 4.1).
RELEASED_STATUSES: dict[str, str] = {
    "N": "not ready for release",
    "R": "ready to release",
    "S": "released to warehouse",
    "Y": "staged / pick confirmed",
    "C": "shipped",
    "B": "backordered",
    "D": "cancelled",
    "X": "not applicable (non-shippable)",
    "I": "interfaced",
}

#: WSH_NEW_DELIVERIES.STATUS_CODE; null while a detail is not assigned to a delivery.
DELIVERY_STATUSES: dict[str, str] = {
    "OP": "open",
    "PA": "packed",
    "SA": "ship confirmed, awaiting trip",
    "CO": "confirmed",
    "IT": "in transit",
    "CL": "closed",
}


def least_advanced(codes: list[str]) -> str | None:
    """The least advanced line status; an unknown code wins, so it is not hidden."""
    if not codes:
        return None
    return min(codes, key=lambda code: LINE_RANK.get(code, -1))
