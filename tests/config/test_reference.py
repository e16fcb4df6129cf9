"""The generated instrument reference is committed up to date."""


from model.config.reference import reference
from model.interventions import REGISTRY
from tests.support.paths import REPO_ROOT

PAGE = REPO_ROOT / "docs" / "interventions.md"


def test_docs_interventions_md_is_regenerated_after_config_changes():
    assert PAGE.read_text(encoding="utf-8") == reference(), (
        "docs/interventions.md is stale: run `.venv/bin/python -m model.config.reference > "
        "docs/interventions.md`"
    )


def test_every_instrument_and_key_has_a_description():
    for type_name, cls in REGISTRY.items():
        assert cls.__doc__, type_name
        for key, field in cls.config_class.model_fields.items():
            if key != "type":
                assert field.description, f"{type_name}.{key} has no description"
