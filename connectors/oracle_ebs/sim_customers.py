"""TCA customers of the simulated EBS: HZ_PARTIES, HZ_CUST_ACCOUNTS, HZ_CONTACT_POINTS,
and per operating unit a HZ_LOCATIONS / HZ_PARTY_SITES / HZ_CUST_ACCT_SITES_ALL site with
BILL_TO and SHIP_TO HZ_CUST_SITE_USES_ALL rows (what orders' SHIP_TO_ORG_ID point at)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs.schema import (
    HZ_CONTACT_POINTS,
    HZ_CUST_ACCOUNTS,
    HZ_CUST_ACCT_SITES_ALL,
    HZ_CUST_SITE_USES_ALL,
    HZ_LOCATIONS,
    HZ_PARTIES,
    HZ_PARTY_SITES,
)
from connectors.oracle_ebs.sim_rows import SAMPLE, insert_rows


def seed_customer(
    connection: sa.Connection, rng: random.Random, index: int, when: datetime
) -> dict[str, Any]:
    """One TCA customer: party, account, phone and e-mail, a site with BILL_TO and SHIP_TO
    uses in each operating unit. Returns the account id and its site uses per ORG_ID."""
    who = {
        "CREATION_DATE": when,
        "LAST_UPDATE_DATE": when,
        "CREATED_BY": 0,
        "LAST_UPDATED_BY": 0,
    }
    party_id, account_id = 1000 + index, 3000 + index
    person = index % 3 != 0
    first, last = (
        rng.choice(SAMPLE["first_names"]),
        rng.choice(SAMPLE["last_names"]),
    )
    name = f"{first} {last}" if person else rng.choice(SAMPLE["companies"])
    connection.execute(
        HZ_PARTIES.insert(),
        {
            "PARTY_ID": party_id,
            "PARTY_NUMBER": str(party_id),
            "PARTY_NAME": name,
            "PARTY_TYPE": "PERSON" if person else "ORGANIZATION",
            "PERSON_FIRST_NAME": first if person else None,
            "PERSON_LAST_NAME": last if person else None,
            "STATUS": "A",
            **who,
        },
    )
    connection.execute(
        HZ_CUST_ACCOUNTS.insert(),
        {
            "CUST_ACCOUNT_ID": account_id,
            "PARTY_ID": party_id,
            "ACCOUNT_NUMBER": str(1000 + index),
            "ACCOUNT_NAME": name,
            "STATUS": "A",
            "CUSTOMER_TYPE": "R",
            "CUSTOMER_CLASS_CODE": "COMMERCIAL",
            **who,
        },
    )
    email = f"{name.split()[0].lower()}.{index}@example.com"
    insert_rows(
        connection,
        HZ_CONTACT_POINTS,
        [
            {
                "CONTACT_POINT_ID": 20_000 + 2 * index,
                "CONTACT_POINT_TYPE": "PHONE",
                "OWNER_TABLE_NAME": "HZ_PARTIES",
                "OWNER_TABLE_ID": party_id,
                "STATUS": "A",
                "PRIMARY_FLAG": "Y",
                "PHONE_LINE_TYPE": "GEN",
                "PHONE_COUNTRY_CODE": "1",
                "PHONE_AREA_CODE": "415",
                "PHONE_NUMBER": f"555-{index % 10000:04d}",
                **who,
            },
            {
                "CONTACT_POINT_ID": 20_001 + 2 * index,
                "CONTACT_POINT_TYPE": "EMAIL",
                "OWNER_TABLE_NAME": "HZ_PARTIES",
                "OWNER_TABLE_ID": party_id,
                "STATUS": "A",
                "PRIMARY_FLAG": "Y",
                "EMAIL_ADDRESS": email,
                **who,
            },
        ],
    )
    uses: dict[int, dict[str, int]] = {}
    for position, org in enumerate(SAMPLE["operating_units"]):
        place = rng.choice(SAMPLE["cities"])
        location_id = 40_000 + 10 * index + position
        party_site_id = 50_000 + 10 * index + position
        site_id = 60_000 + 10 * index + position
        connection.execute(
            HZ_LOCATIONS.insert(),
            {
                "LOCATION_ID": location_id,
                "ADDRESS1": f"{100 + index} Market Street",
                "ADDRESS2": f"Suite {position + 1}",
                "CITY": place["city"],
                "STATE": place["state"],
                "POSTAL_CODE": place["postal_code"],
                "COUNTRY": place["country"],
                **who,
            },
        )
        connection.execute(
            HZ_PARTY_SITES.insert(),
            {
                "PARTY_SITE_ID": party_site_id,
                "PARTY_ID": party_id,
                "LOCATION_ID": location_id,
                "PARTY_SITE_NUMBER": str(party_site_id),
                "STATUS": "A",
                **who,
            },
        )
        connection.execute(
            HZ_CUST_ACCT_SITES_ALL.insert(),
            {
                "CUST_ACCT_SITE_ID": site_id,
                "CUST_ACCOUNT_ID": account_id,
                "PARTY_SITE_ID": party_site_id,
                "ORG_ID": org,
                "STATUS": "A",
                **who,
            },
        )
        uses[org] = {}
        for offset, code in enumerate(("BILL_TO", "SHIP_TO")):
            use_id = 70_000 + 10 * index + 2 * position + offset
            uses[org][code] = use_id
            connection.execute(
                HZ_CUST_SITE_USES_ALL.insert(),
                {
                    "SITE_USE_ID": use_id,
                    "CUST_ACCT_SITE_ID": site_id,
                    "SITE_USE_CODE": code,
                    "PRIMARY_FLAG": "Y",
                    "STATUS": "A",
                    "LOCATION": f"{code}-{index}",
                    "ORG_ID": org,
                    **who,
                },
            )
    return {"CUST_ACCOUNT_ID": account_id, "uses": uses}
