"""What an integrator's tests use of the sandbox: the ``balance_sandbox`` fixture's object and its types."""

from mockserver.admin.remote import AdminCallError
from mockserver.testing.process import SandboxStartError
from mockserver.testing.sandbox import BalanceSandbox, ValkyrieSession, fault_preference
from mockserver.testing.secret import Secret

__all__ = ["AdminCallError", "BalanceSandbox", "SandboxStartError", "Secret", "ValkyrieSession", "fault_preference"]
