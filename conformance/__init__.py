"""Conformance suite: certifies an implementation of the three APIs against their documented behaviour."""
