"""The catalogue of a set of APIs: their requirements in report order, the checks of each, the seeds' titles.

Order: each API's own requirements, then each API's generated-request requirements, then each API's requirements
for statuses the seed does not document, so that reports list them as they always have.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from balancekit.requirements import Requirement, Untestable
from conformance.api import Check, ConformanceApi
from conformance.apis import APIS
from conformance.generated.requirements import generated_checks, generated_requirements


class Catalogue:
    """Everything the suite checks for ``apis``, and the checks that verify each requirement."""

    def __init__(self, apis: Sequence[ConformanceApi]) -> None:
        self.apis = tuple(apis)
        self.requirements: tuple[Requirement, ...] = (
            *(requirement for api in apis for requirement in api.requirements),
            *(requirement for api in apis for requirement in generated_requirements(api)),
            *(requirement for api in apis for requirement in api.other_status_requirements),
        )
        self.by_id = MappingProxyType({requirement.id: requirement for requirement in self.requirements})
        self.checks: tuple[Check, ...] = tuple(check for api in apis for check in (*api.checks, *generated_checks(api)))
        self.untestable: tuple[Untestable, ...] = tuple(item for api in apis for item in api.untestable)
        self.seed_titles = MappingProxyType({api.seed: api.seed_title for api in apis})

    def api(self, name: str) -> ConformanceApi:
        return next(api for api in self.apis if api.name == name)

    def checks_for(self, requirement: str) -> list[Check]:
        return [check for check in self.checks if check.requirement == requirement]

    def seed_title(self, seed: str) -> str | None:
        return self.seed_titles.get(seed)


# The catalogue of the APIs the suite ships with.
CATALOGUE = Catalogue(APIS)
