"""orderhub.yml: found like git finds its folder, relative to itself, secrets lazily."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import ConfigNotFoundError, find_config, load_settings

PIPELINES = {
    "shop_a": {"source": "shopify", "config": {"access_token": "${SHOP_A_TOKEN}"}},
    "shop_b": {"source": "shopify", "config": {"access_token": "${SHOP_B_TOKEN}"}},
}


def write(folder: Path, document: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "orderhub.yml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
    return path


def test_the_nearest_orderhub_yml_above_the_working_directory_is_found(tmp_path: Path) -> None:
    path = write(tmp_path / "project", {"pipelines": {}})
    deep = tmp_path / "project" / "connectors" / "acme"
    deep.mkdir(parents=True)
    assert find_config(env={}, cwd=deep) == path.resolve()
    assert find_config(env={}, cwd=tmp_path / "project") == path.resolve()


def test_config_option_wins_over_the_environment_and_the_walk(tmp_path: Path) -> None:
    walked = write(tmp_path / "walked", {})
    from_env = write(tmp_path / "env", {})
    given = write(tmp_path / "given", {})
    env = {"ORDERHUB_CONFIG": str(from_env)}
    assert find_config(given, env=env, cwd=walked.parent) == given.resolve()
    assert find_config(None, env=env, cwd=walked.parent) == from_env.resolve()


def test_a_missing_file_names_every_folder_looked_in(tmp_path: Path) -> None:
    start = tmp_path / "a" / "b"
    start.mkdir(parents=True)
    with pytest.raises(ConfigNotFoundError) as caught:
        find_config(env={}, cwd=start)
    message = str(caught.value)
    assert message.startswith("no orderhub.yml found: looked in ")
    for folder in (start, start.parent, tmp_path, Path("/")):
        assert str(folder.resolve()) in message
    assert message.endswith("create one or pass --config")


@pytest.mark.parametrize("how", ["--config", "$ORDERHUB_CONFIG"])
def test_a_given_file_that_does_not_exist_is_named(tmp_path: Path, how: str) -> None:
    missing = tmp_path / "nope.yml"
    with pytest.raises(ConfigurationError, match=f"nope.yml \\(given by \\{how}\\) not found"):
        if how == "--config":
            find_config(missing, env={})
        else:
            find_config(None, env={"ORDERHUB_CONFIG": str(missing)})


@pytest.mark.parametrize("text", ["", "\n# only a comment\n", "---\n"])
def test_an_empty_file_is_reported_as_empty(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError, match=f"{path} is empty"):
        load_settings(path, env={})


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "secrets").mkdir(parents=True)
    (project / "secrets" / "token").write_text("t0ken\n")
    path = write(
        project,
        {
            "warehouse": "sqlite:///data/warehouse.db",
            "mappings_dir": "my-mappings",
            "pipelines": {"p": {"source": "shopify", "config": {"token": "${file:secrets/token}"}}},
        },
    )
    settings = load_settings(path, env={})
    assert settings.warehouse == f"sqlite:///{project}/data/warehouse.db"
    assert settings.mappings_dir == str(project / "my-mappings")
    assert settings.pipeline("p").config == {"token": "t0ken"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (None, "sqlite:///{p}/.orderhub/warehouse.db"),
        ("warehouse.db", "{p}/warehouse.db"),
        ("sqlite:////abs/w.db", "sqlite:////abs/w.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql://u:pw@db:5432/wh", "postgresql://u:pw@db:5432/wh"),
        ("${WH:-sqlite:///wh.db}", "sqlite:///{p}/wh.db"),
    ],
)
def test_the_warehouse_is_anchored_only_when_relative(
    tmp_path: Path, written: str | None, expected: str
) -> None:
    document: dict[str, object] = {"pipelines": {}}
    if written is not None:
        document["warehouse"] = written
    settings = load_settings(write(tmp_path, document), env={})
    assert settings.warehouse == expected.format(p=tmp_path)


def test_loading_needs_no_pipeline_secret(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, {"pipelines": PIPELINES}), env={})
    assert sorted(settings.pipelines) == ["shop_a", "shop_b"]
    # as written: listing pipelines holds no secret value
    assert settings.pipelines["shop_a"].config == {"access_token": "${SHOP_A_TOKEN}"}


def test_a_pipeline_needs_only_its_own_secret(tmp_path: Path) -> None:
    path = write(tmp_path, {"pipelines": PIPELINES})
    settings = load_settings(path, env={"SHOP_B_TOKEN": "b-secret"})
    assert settings.pipeline("shop_b").config == {"access_token": "b-secret"}
    with pytest.raises(ConfigurationError) as caught:
        settings.pipeline("shop_a")
    assert "pipelines.shop_a.config.access_token" in str(caught.value)
    assert "SHOP_A_TOKEN is not set" in str(caught.value)
    assert "b-secret" not in str(caught.value)


def test_a_pipeline_is_validated_after_its_references_resolve(tmp_path: Path) -> None:
    document = {"pipelines": {"p": {"source": "shopify", "tap": "${TAP:-tap-x}", "config": {}}}}
    settings = load_settings(write(tmp_path, document), env={})
    assert settings.pipeline("p").tap_executable == "tap-x"
    assert settings.pipeline("p").source == "shopify"


def test_a_structural_error_in_any_pipeline_is_reported_at_load(tmp_path: Path) -> None:
    document = {"pipelines": {"p": {"source": "shopify", "sreams": ["orders"]}}}
    with pytest.raises(ConfigurationError, match=r"pipelines\.p\.sreams: Extra inputs"):
        load_settings(write(tmp_path, document), env={})


def test_a_warehouse_override_needs_none_of_the_files_variables(tmp_path: Path) -> None:
    path = write(tmp_path, {"warehouse": "${WAREHOUSE_URL}", "pipelines": {}})
    with pytest.raises(ConfigurationError, match="WAREHOUSE_URL is not set"):
        load_settings(path, env={})
    assert load_settings(path, env={}, warehouse="sqlite:///x.db").warehouse == "sqlite:///x.db"


def test_an_unknown_pipeline_lists_the_ones_there_are(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, {"pipelines": PIPELINES}), env={})
    with pytest.raises(ConfigurationError, match=r"no pipeline 'nope' .*shop_a, shop_b"):
        settings.pipeline("nope")


def test_a_default_may_hold_braces_as_odbc_strings_do(tmp_path: Path) -> None:
    odbc = "DRIVER={MariaDB Unicode};SERVER=127.0.0.1;PWD={a;b}"
    pipelines = {
        "u8": {"source": "u8", "config": {"odbc_connection_string": f"${{U8_ODBC:-{odbc}}}"}}
    }
    path = write(tmp_path, {"pipelines": pipelines})
    assert load_settings(path, env={}).pipeline("u8").config["odbc_connection_string"] == odbc
    chosen = load_settings(path, env={"U8_ODBC": "DSN=u8"}).pipeline("u8")
    assert chosen.config["odbc_connection_string"] == "DSN=u8"
