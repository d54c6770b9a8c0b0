from __future__ import annotations

import pytest

from sentinel.analyse.pipeline import Analyzer
from tests.incidents.test_flows import settings_for


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """Loading jieba's dictionaries takes seconds: one analyzer serves every incidents test."""
    return Analyzer(settings_for("sqlite:///unused.db"))
