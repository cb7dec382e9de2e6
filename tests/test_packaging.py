"""What `pip install .` delivers: the three packages with the specs, fixtures and profiles they read at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import API_NAMES, REPO

pytestmark = pytest.mark.slow


def test_a_plain_wheel_carries_the_data_files_once(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--quiet", "--wheel-dir", str(tmp_path)]
    subprocess.run(command, check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for api in API_NAMES:
        assert f"balancekit/specs/{api}.yaml" in names
        assert f"mockserver/fixtures/{api}.yaml" in names
        assert f"mockserver/fixtures/{api}.schema.json" in names
    # The specs once, in the shared core: both packages find them there.
    assert not any(name.startswith(("mockserver/specs/", "conformance/specs/")) for name in names)
    assert "mockserver/fixtures/fixture.schema.json" in names
    assert "conformance/profiles/mock.yaml" in names
    assert "conformance/profile.schema.json" in names
    sections = [name for name in names if name.startswith("conformance/apis/") and name.endswith("profile.schema.json")]
    assert len(sections) == len(API_NAMES), sections
    assert not any("/tests/" in name or name.startswith("tests/") for name in names)
