"""The documentation agrees with the code."""

from __future__ import annotations

import re
from pathlib import Path

from polls.config import Settings, documented_settings
from polls.core import errors
from polls.domain.protocol import _PARTICIPANT_TYPES, _PRESENTER_TYPES

ROOT = Path(__file__).resolve().parent.parent


def test_readme_configuration_table_lists_every_setting() -> None:
    """Every setting is in the README's table with its default, and nothing else is."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(POLLS_[A-Z_]+)` \| `([^`]*)` \|", readme, flags=re.MULTILINE))
    expected = {env: default for env, default, _ in documented_settings()}
    assert rows == expected


def test_settings_read_from_the_environment() -> None:
    """Each documented variable changes its setting."""
    settings = Settings.from_env(
        {
            "POLLS_PORT": "9000",
            "POLLS_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "POLLS_RESULTS_INTERVAL": "0.5",
        }
    )
    assert settings.port == 9000 and settings.results_interval == 0.5
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.base_url == "http://127.0.0.1:9000"


def test_protocol_doc_names_every_message_and_error_code() -> None:
    """docs/protocol.md describes every client message type and every error code."""
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    for message_type in _PARTICIPANT_TYPES | _PRESENTER_TYPES:
        assert f"`{message_type}`" in protocol, message_type
    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.PollsError)
    }
    for code in codes:
        assert f"`{code}`" in protocol, code
