"""Shared fixtures: the in-process app and client, and one live mock process for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from headless_chromium import chromium_command
from starlette.testclient import TestClient
from support import LiveMock, start_mock

from mockserver import create_app


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The mock on the bundled fixtures, in process. Server errors come back as responses, never as raised errors."""
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_mock() -> Iterator[LiveMock]:
    """A real ``mockserver serve`` process on a free port, stopped by its PID at the end of the session."""
    mock = start_mock()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture
def chromium(tmp_path: Path) -> list[str]:
    """The headless Chromium command line in a fresh profile (skips the test where Chromium is not installed)."""
    return chromium_command(tmp_path)
