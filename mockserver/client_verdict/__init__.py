"""The client verdict: which documented cases an integrator's client reached, and which of its requests broke which
requirement, judged from the sandbox's journal."""
