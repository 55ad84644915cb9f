from __future__ import annotations

import pytest

from machinery_support import MIGRATIONS, MachinerySettings, create_app
from tzsb_common.testing import ServiceUnderTest


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(MachinerySettings, create_app, MIGRATIONS)
