"""docs/configuration.md is generated from the settings classes; this fails when it is stale."""

from pathlib import Path

from hearth.config_docs import SERVICES, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_docs_are_current() -> None:
    assert DOCS.read_text() == render(), "docs/configuration.md is stale: run `make docs`"


def test_every_setting_is_described() -> None:
    for cls in SERVICES:
        for name, info in cls.model_fields.items():
            assert info.description, f"{cls.__name__}.{name} has no description"


def test_every_service_is_documented_with_its_port() -> None:
    text = render()
    for cls in SERVICES:
        assert f"### {cls.doc_title}" in text
        assert f"Default port {cls.default_port}." in text
