"""A warehouse URL's password never reaches an error message, however the URL is broken."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from orderhub.exceptions import ConfigurationError
from orderhub.warehouse.engine import create_warehouse_engine, mask_url

# "QX" keeps a generated password from being a word the message has anyway ("sqlite").
PASSWORDS = st.text(
    alphabet=string.ascii_letters + string.digits + "!$%&*+-./:;=?@^_~#", min_size=4
).map(lambda text: f"QX{text}")
BROKEN = [
    "postgresql://orderhub:{pw}@db.example:notaport/wh",  # port not a number
    "postgresql:/orderhub:{pw}@db.example/wh",  # scheme without //
    "nodriver://orderhub:{pw}@db.example/wh",  # unknown dialect
    "postgresql+nodriver://orderhub:{pw}@db.example/wh",  # unknown driver
]


@pytest.mark.parametrize("template", BROKEN)
@given(password=PASSWORDS)
def test_no_password_survives_an_invalid_url(template: str, password: str) -> None:
    assume(password not in template.replace("{pw}", ""))
    url = template.format(pw=password)
    with pytest.raises(ConfigurationError) as caught:
        create_warehouse_engine(url)
    assert password not in str(caught.value)
    assert password not in mask_url(url)


@given(password=PASSWORDS)
def test_mask_url_hides_any_password(password: str) -> None:
    url = f"postgresql://orderhub:{password}@db.example:5432/wh"
    assume(password not in url.replace(password, ""))
    assert password not in mask_url(url)
