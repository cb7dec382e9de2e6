"""What a client report covers: its APIs, the requests of one test run, and what counts as required coverage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mockserver.api import MockApi

# --require's words; anything else is a comma-separated list of cases named `api:case`.
REQUIRE_DEFAULT, REQUIRE_ALL, REQUIRE_NONE = "default", "all", "none"


class SelectionError(ValueError):
    """A report option that names nothing the sandbox serves: the option, what it expects and what it got."""

    def __init__(self, key: str, expected: str, found: str) -> None:
        super().__init__(f"{key}: expected {expected}, got {found}")
        self.key, self.expected, self.found = key, expected, found


@dataclass(frozen=True)
class Selection:
    """``apis``: the APIs reported, none for every API with a request among the selected ones. ``require``: `default`
    (each reported API's cases marked required), `all`, `none`, or `api:case,...`. ``strict``: a SHOULD broken fails
    the verdict as a MUST does. The window (``since``, ``until``, ``correlation_prefix``) selects the journal's
    entries; it is given here as the report names it."""

    apis: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    correlation_prefix: str | None = None
    require: str = REQUIRE_DEFAULT
    strict: bool = False

    def check(self, served: Sequence[MockApi]) -> None:
        """Raises SelectionError for an API or a case the sandbox does not serve."""
        names = [api.name for api in served]
        for name in self.apis:
            if name not in names:
                raise SelectionError("api", f"one of {', '.join(names)}", repr(name))
        if self.require in (REQUIRE_DEFAULT, REQUIRE_ALL, REQUIRE_NONE):
            return
        cases = {f"{api.name}:{case.name}" for api in served for case in api.documented_cases}
        for named in self.named_cases():
            if named not in cases:
                expected = f"all, none, default or cases named api:case ({', '.join(sorted(cases))})"
                raise SelectionError("require", expected, repr(named))
            if self.apis and named.split(":", 1)[0] not in self.apis:
                raise SelectionError("require", f"cases of the APIs reported ({', '.join(self.apis)})", repr(named))

    def named_cases(self) -> list[str]:
        return [part.strip() for part in self.require.split(",") if part.strip()]

    def required(self, api: MockApi) -> set[str]:
        """The names of ``api``'s cases that count as required coverage."""
        if self.require == REQUIRE_ALL:
            return {case.name for case in api.documented_cases}
        if self.require == REQUIRE_NONE:
            return set()
        if self.require == REQUIRE_DEFAULT:
            return {case.name for case in api.documented_cases if case.required}
        prefix = f"{api.name}:"
        return {named.removeprefix(prefix) for named in self.named_cases() if named.startswith(prefix)}
