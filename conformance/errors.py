"""Tool errors: problems that stop a run before a verdict (exit 2), as opposed to requirement failures (exit 1)."""

from __future__ import annotations


class NoVerdictError(Exception):
    """The run cannot reach a verdict: a usage, profile or spec problem."""


class ProfileError(NoVerdictError):
    """A profile cannot be used; the message names the file, the key and what was expected."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key}: {problem}")
