"""The kit's shared core: where the specs are, the requirement vocabulary, safe text and strict YAML."""

from balancekit.clock import Clock, wall_clock
from balancekit.requirements import Level, Requirement, Untestable, cite, requirements_of
from balancekit.specs import SPECS_DIR, SpecError, load_spec, spec_path

__all__ = [
    "SPECS_DIR",
    "Clock",
    "Level",
    "Requirement",
    "SpecError",
    "Untestable",
    "cite",
    "load_spec",
    "requirements_of",
    "spec_path",
    "wall_clock",
]
