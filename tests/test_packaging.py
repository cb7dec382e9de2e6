"""What `pip install .` delivers: both packages with the specs, fixtures and profiles they read at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from support import REPO

import mockserver


def test_a_plain_wheel_carries_the_data_files(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--quiet", "--wheel-dir", str(tmp_path)]
    subprocess.run(command, check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for api in ("vip-connect", "paytronix", "valkyrie"):
        assert f"mockserver/specs/{api}.yaml" in names
        assert f"mockserver/fixtures/{api}.yaml" in names
        assert f"conformance/specs/{api}.yaml" in names
    assert "mockserver/fixtures/fixture.schema.json" in names
    assert "conformance/profiles/mock.yaml" in names
    assert not any("/tests/" in name or name.startswith("tests/") for name in names)


def test_the_mockserver_package_exports_a_short_deliberate_list() -> None:
    assert sorted(mockserver.__all__) == ["FixtureError", "Fixtures", "create_app", "load_fixtures"]
