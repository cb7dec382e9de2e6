"""What every report shows of a run's evidence: requests as runnable scripts, text cleaned of secrets and of
anything a system sent that could drive a terminal or break a file, and how to set the variables the scripts use."""

from __future__ import annotations

from typing import Any

from balancekit.safe_text import output_safe
from conformance.redaction import JWT_VARIABLE, Redactor, Variable
from conformance.repro import script
from conformance.results import Finding, Run


class Evidence:
    """The evidence of one run, as the reports show it."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.redactor = Redactor.for_profile(run.profile)

    def clean(self, text: str) -> str:
        """``text`` without any secret and without a character that could act on a terminal or break a report."""
        return output_safe(self.redactor.text(text))

    def request(self, finding: Finding) -> str:
        """The request of ``finding`` as a bash script, secrets as variables; "" when it has none."""
        return output_safe(self.redactor.text(script(finding, self.redactor)))

    @property
    def variables(self) -> list[Variable]:
        return [variable for variable in self.redactor.variables if variable.key]

    def how_to_run(self) -> list[str]:
        """How to set the variables the requests use: names and the profile keys they stand for, never values."""
        lines = [
            "Requests name each secret of the profile as a shell variable (bash). Before running one, set the "
            "variables it uses to the values of these profile keys:"
        ]
        lines += [f"  export {variable.name}='...'  # {variable.key}" for variable in self.variables]
        lines.append(
            f"A request with a VIP JWT first mints it into ${JWT_VARIABLE} with PyJWT (the python3 of the suite's "
            "virtualenv); its header and claims are shown beside it."
        )
        return lines

    def source_title(self, source: str) -> str:
        """A source as a reader names it: the seed page's title with its file and quote, a URL, or a decision."""
        seed, separator, quote = source.partition(": ")
        title = self.run.catalogue.seed_title(seed) if separator else None
        return f"{title} ({seed}): {quote}" if title else source

    def source_label(self, source: str) -> str:
        """The short form of a source for one-line output: the seed page (title and file), the URL, or 'decision'."""
        if source.startswith("decision:"):
            return "decision"
        seed = source.split(": ", 1)[0]
        title = self.run.catalogue.seed_title(seed)
        return f"{title}, {seed}" if title else source

    def checks_of(self, requirement: str) -> list[str]:
        """The names of the checks that verify ``requirement``."""
        return [check.name for check in self.run.catalogue.checks_for(requirement)]


def clean_data(data: Any, evidence: Evidence) -> Any:
    """Every string of a JSON-able structure cleaned by ``evidence``."""
    if isinstance(data, str):
        return evidence.clean(data)
    if isinstance(data, dict):
        return {evidence.clean(str(key)): clean_data(value, evidence) for key, value in data.items()}
    if isinstance(data, list):
        return [clean_data(item, evidence) for item in data]
    return data
