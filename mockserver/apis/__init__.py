"""The APIs the mock serves: each one object, listed here once."""

from mockserver.api import MockApi
from mockserver.apis import paytronix, valkyrie, vip_connect

APIS: tuple[MockApi, ...] = (vip_connect.API, paytronix.API, valkyrie.API)

__all__ = ["APIS"]
