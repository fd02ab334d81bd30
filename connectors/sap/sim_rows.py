"""Rows of the simulated services: the store's orders and partners as entity values.

Each row holds an entity's properties as Python values (the serializer formats them as
OData JSON) and, under ``_navs``, the rows of its navigations, for ``$expand``.
"""

from __future__ import annotations

from typing import Any

from connectors.sap.sim_data import Partner, SapStore


def order_rows(store: SapStore, codes: tuple[str, ...]) -> list[dict[str, Any]]:
    """A_SalesOrder rows with to_Item and to_Partner (partner functions in ``codes``)."""
    return [
        {
            **order.header(),
            "_navs": {"to_Item": order.item_rows(), "to_Partner": order.partner_rows(codes)},
        }
        for order in store.orders.values()
    ]


def partner_row(p: Partner) -> dict[str, Any]:
    """An A_BusinessPartner row with its customer, address, phone and e-mail."""
    address_id = f"{int(p.number) + 9000000:010d}"[-10:]
    phone = {
        "AddressID": address_id,
        "Person": "",
        "OrdinalNumber": "1",
        "DestinationLocationCountry": p.phone_country,
        "IsDefaultPhoneNumber": True,
        "PhoneNumber": p.phone,
        "InternationalPhoneNumber": p.international_phone,
        "PhoneNumberType": "1",
    }
    email = (
        {
            "AddressID": address_id,
            "Person": "",
            "OrdinalNumber": "1",
            "IsDefaultEmailAddress": True,
            "EmailAddress": p.email,
        }
        if p.email
        else None
    )
    address = {
        "BusinessPartner": p.number,
        "AddressID": address_id,
        "ValidityStartDate": p.created,
        "CityName": p.city,
        "Country": p.country,
        "HouseNumber": p.house,
        "PostalCode": p.postal_code,
        "Region": p.region,
        "StreetName": p.street,
        "_navs": {
            "to_PhoneNumber": [phone],
            "to_EmailAddress": [email] if email else [],
        },
    }
    customer = {
        "Customer": p.number,
        "CustomerName": p.name,
        "CustomerFullName": p.name,
        "CustomerAccountGroup": "CUST",
        "CreationDate": p.created.date(),
    }
    return {
        "BusinessPartner": p.number,
        "Customer": p.number,
        "BusinessPartnerCategory": "2",
        "BusinessPartnerFullName": p.name,
        "BusinessPartnerGrouping": "BP02",
        "CreatedByUser": "CB9980000123",
        "CreationDate": p.created.date(),
        "CreationTime": p.created.time(),
        "LastChangeDate": p.changed.date() if p.changed else None,
        "LastChangeTime": p.changed.time() if p.changed else None,
        "_navs": {
            "to_BusinessPartnerAddress": [address],
            "to_Customer": [customer],
        },
    }
