"""The verdict every tool of the kit ends on: its exit code and label, the same for the suite and the client report.

0: every MUST held (and every SHOULD, when strict); 1: one failed; 2: no verdict could be reached.
"""

from __future__ import annotations

from importlib import metadata

EXIT_PASSED, EXIT_FAILED, EXIT_NO_VERDICT = 0, 1, 2
VERDICTS = {EXIT_PASSED: "PASSED", EXIT_FAILED: "FAILED", EXIT_NO_VERDICT: "NO VERDICT"}


def distribution_version(distribution: str) -> str:
    """An installed distribution's version, as reports name the tool that wrote them; "unknown" when not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
