"""Secrets are redacted by value, whatever their type, and ordinary words survive."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from orderhub.redaction import (
    MASK,
    MIN_SECRET_LENGTH,
    Redactor,
    about_settings,
    everything_secret,
    secret_values,
    setting_names_in,
)

PG_URL = "postgresql://orderhub:S3cr3t%40pw@db.example.com:5432/warehouse"

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
separators = st.sampled_from([" ", ", ", "=", ": ", "\n", "/", "'", '"', "_", "-", "(", ")"])


def test_a_numeric_token_is_redacted_as_text() -> None:
    redact = Redactor([987654321012])
    assert redact("Authorization: Bearer 987654321012 sent") == "Authorization: Bearer *** sent"
    assert redact('{"token": 987654321012}') == '{"token": ***}'
    assert Redactor([Decimal("12345.678")])("x=12345.678;") == "x=***;"


def test_a_database_url_and_the_password_inside_it_are_redacted() -> None:
    redact = Redactor([PG_URL])
    assert redact(f"cannot connect to {PG_URL}") == "cannot connect to ***"
    # Drivers print the password decoded, or the URL re-rendered around it.
    said = redact("FATAL: password authentication failed; used S3cr3t@pw for orderhub")
    assert "S3cr3t@pw" not in said and "password authentication failed" in said
    assert "S3cr3t%40pw" not in redact("postgresql+psycopg://orderhub:S3cr3t%40pw@db/x")


def test_ordinary_words_containing_a_secret_are_not_mangled() -> None:
    redact = Redactor(["pass", "token123"])
    text = "password passing compass: pass token1234 mytoken123 token123."
    assert redact(text) == "password passing compass: *** token1234 mytoken123 ***."


def test_short_secrets_and_booleans_are_not_redacted() -> None:
    short = "x" * (MIN_SECRET_LENGTH - 1)
    redact = Redactor([short, True, None, 7])
    assert redact.values == frozenset()
    assert redact(f"{short} True 7 records") == f"{short} True 7 records"


def test_the_longest_secret_wins_when_one_contains_another() -> None:
    redact = Redactor(["abcd", "abcd-efgh"])
    assert redact("key abcd-efgh and abcd") == "key *** and ***"


def test_json_escaped_forms_of_a_secret_are_redacted() -> None:
    secret = 'quo"te\\back'
    assert secret not in Redactor([secret])('{"v": "quo\\"te\\\\back"}')
    assert Redactor([secret])('{"v": "quo\\"te\\\\back"}') == '{"v": "***"}'


@given(
    secret=words.filter(lambda w: len(w) >= MIN_SECRET_LENGTH),
    tokens=st.lists(st.one_of(words, st.just("SECRET")), max_size=30),
    seps=st.lists(separators, min_size=31, max_size=31),
)
def test_exactly_the_secret_tokens_are_replaced(
    secret: str, tokens: list[str], seps: list[str]
) -> None:
    placed = [secret if t == "SECRET" else t for t in tokens]
    text = "".join(s + t for s, t in zip(seps, placed, strict=False))
    expected = "".join(s + (MASK if t == secret else t) for s, t in zip(seps, placed, strict=False))
    assert Redactor([secret])(text) == expected


@given(text=st.text(max_size=200), secret=st.text(min_size=MIN_SECRET_LENGTH, max_size=20))
def test_no_secret_survives_where_it_stands_alone(text: str, secret: str) -> None:
    redacted = Redactor([secret])(f"{text} {secret} {text}")
    assert f" {secret} " not in redacted.replace(MASK, "\0")


@given(data=st.binary(max_size=200))
def test_undecodable_log_bytes_pass_through(data: bytes) -> None:
    redact = Redactor(["hunter22"])
    assert redact.redact_bytes(data + b" hunter22\n") == (
        redact(data.decode("utf-8", "surrogateescape") + " hunter22\n").encode(
            "utf-8", "surrogateescape"
        )
    )
    assert b"hunter22" not in redact.redact_bytes(data + b" hunter22\n")


def test_secret_values_follow_the_schema_not_the_names() -> None:
    schema = {
        "properties": {
            "access_token": {"type": "string", "secret": True},
            "api_key_id": {"type": "string"},  # named like a secret, declared not one
            "pin": {"type": "integer", "writeOnly": True},
            "auth": {
                "type": "object",
                "properties": {"client_secret": {"type": "string", "secret": True}},
            },
        }
    }
    config = {"access_token": "tok-1", "api_key_id": "public", "pin": 4242, "auth": {
        "client_secret": "cs-9", "client_id": "id-1"}}  # fmt: skip
    assert secret_values(config, schema) == ["tok-1", 4242, "cs-9"]


def test_without_a_schema_every_text_setting_counts_as_secret() -> None:
    config = {"api_url": "http://x", "token": "abcdef", "page_size": 10}
    assert sorted(secret_values(config, everything_secret(config))) == ["abcdef", "http://x"]


def test_the_tap_and_the_target_say_which_settings_are_secret() -> None:
    bin_dir = Path(sys.executable).parent
    tap = about_settings((str(bin_dir / "tap-shopify"),))["properties"]
    target = about_settings((str(bin_dir / "target-orderhub"),))["properties"]
    assert tap["access_token"]["secret"] and not tap["api_url"].get("secret")
    assert target["warehouse_url"]["secret"] and target["redact_values"]["secret"]


def test_setting_names_are_found_as_whole_names() -> None:
    text = "Check the `access_token` setting (api_url is fine)"
    assert setting_names_in(text, ["api_url", "access_token", "token", "url"]) == [
        "api_url",
        "access_token",
    ]


def test_a_password_in_a_url_setting_not_marked_secret_is_redacted() -> None:
    from orderhub.redaction import Redactor

    schema = {"properties": {"api_url": {"type": "string"}, "page_size": {"type": "integer"}}}
    config = {"api_url": "http://shopuser:PwInUrl123@127.0.0.1:9/graphql.json", "page_size": 5}
    redact = Redactor.from_config(config, schema)
    said = redact("HTTP 401 at http://shopuser:PwInUrl123@127.0.0.1:9/graphql.json")
    assert "PwInUrl123" not in said and "shopuser:***@127.0.0.1" in said
