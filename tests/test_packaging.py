"""What `pip install .` delivers: the three packages with the specs, fixtures and profiles they read at run time."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import API_NAMES, REPO, start_mock

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--quiet", "--wheel-dir", str(directory)]
    subprocess.run(command, check=True, timeout=300, capture_output=True)
    (built,) = directory.glob("*.whl")
    return built


def test_a_plain_wheel_carries_the_data_files_once(wheel: Path) -> None:
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


def test_installed_the_mock_names_its_bundled_copy_and_copies_it_to_edit(wheel: Path, tmp_path: Path) -> None:
    # The wheel's packages on the path, run from another directory, as an installed kit is: its fixtures are the
    # copy inside the package, whatever the directory a user edits.
    installed = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(installed)
    bundled = installed / "mockserver" / "fixtures"
    environment = {"PYTHONPATH": str(installed)}
    mock = start_mock(env=environment, cwd=tmp_path)
    try:
        line = mock.wait_for_line(r"serving .* on http://")
        assert f"(fixtures: the bundled copy, {bundled})" in line
        assert mock.wait_for_line("mockserver fixtures init DIR")
    finally:
        mock.stop()
    command = [sys.executable, "-m", "mockserver", "fixtures", "init", "mine"]
    result = subprocess.run(
        command, cwd=tmp_path, env={**os.environ, **environment}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for api in API_NAMES:
        copied = (tmp_path / "mine" / f"{api}.yaml").read_text(encoding="utf-8")
        assert copied.endswith((bundled / f"{api}.yaml").read_text(encoding="utf-8"))
