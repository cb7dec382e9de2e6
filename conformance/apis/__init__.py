"""The APIs the suite certifies: each one object, listed here once."""

from conformance.api import ConformanceApi
from conformance.apis import paytronix, valkyrie, vip_connect

APIS: tuple[ConformanceApi, ...] = (vip_connect.API, paytronix.API, valkyrie.API)

__all__ = ["APIS"]
