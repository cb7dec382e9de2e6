"""The sandbox as a test sees it: each API's base URL, the admin calls as typed methods, and its own correlation ids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mockserver.admin.remote import AdminClient
from mockserver.testing.correlation import prefix_for_test
from mockserver.testing.secret import Secret

# Each admin helper below sets __tracebackhide__: pytest then reports a failing call at the test's line, and does not
# print the arguments of the helpers' frames (a body may hold a credential).


def fault_preference(kind: str, **parameters: float | str) -> str:
    """The ``Prefer`` header value that asks the sandbox for a fault on one request:
    ``fault_preference("delay", ms=2000)`` is ``"fault=delay; ms=2000"`` (parameters as the admin API names them:
    ``ms``, ``min_ms``, ``max_ms``, ``status``, ``code``, ``bytes_per_second``, ``probability``, ``seed``)."""
    written = "".join(f"; {name.replace('_', '-')}={value}" for name, value in parameters.items())
    return f"fault={kind}{written}"


@dataclass(frozen=True)
class ValkyrieSession:
    """A live Valkyrie session the sandbox created: call ``player_id``'s balance with ``token`` as
    ``X-Player-Token`` and ``provider`` as ``provider``."""

    name: str
    token: Secret
    player: str
    player_id: str
    provider: str
    expires_at: str | None = None


class BalanceSandbox:
    """A running sandbox, through its admin API (``specs/sandbox-admin.yaml``). Every admin error raises
    :class:`~mockserver.admin.remote.AdminCallError` carrying the admin API's message (and ``key``, ``expected``,
    ``found`` for a refused change). Credentials it mints are :class:`Secret`: their repr withholds them."""

    def __init__(
        self,
        admin: AdminClient,
        prefixes: Mapping[str, str],
        correlation_prefix: str,
        *,
        pid: int | None = None,
    ) -> None:
        self.base_url = admin.url
        self.correlation_prefix = correlation_prefix
        self.pid = pid  # the sandbox process this session started; None for one given with --balance-sandbox-url
        self._admin = admin
        self._prefixes = dict(prefixes)
        self._numbers = itertools.count(1)  # this test's correlation ids
        self._rules = itertools.count(1)  # its fault rules' default names

    @classmethod
    def connect(cls, admin: AdminClient, correlation_prefix: str, *, pid: int | None = None) -> BalanceSandbox:
        """The sandbox ``admin`` reaches, its APIs and their prefixes read from its summary (``GET /__admin``)."""
        summary = admin.call("GET", "/")
        prefixes = {name: api["prefix"] for name, api in summary["apis"].items()}
        return cls(admin, prefixes, correlation_prefix, pid=pid)

    def for_test(self, node_id: str) -> BalanceSandbox:
        """The same sandbox for one test: correlation ids of its own, within this session's."""
        return BalanceSandbox(
            self._admin, self._prefixes, prefix_for_test(self.correlation_prefix, node_id), pid=self.pid
        )

    def __repr__(self) -> str:
        return f"<BalanceSandbox {self.base_url} correlation_prefix={self.correlation_prefix!r}>"

    # Where the APIs are, and this test's correlation ids

    @property
    def apis(self) -> list[str]:
        """The APIs the sandbox serves, by name."""
        return list(self._prefixes)

    def url(self, api: str) -> str:
        """The base URL of ``api`` (``vip-connect``, ``paytronix``, ``valkyrie``), such as
        ``http://127.0.0.1:PORT/valkyrie``."""
        if api not in self._prefixes:
            raise ValueError(f"the sandbox serves no API named {api!r}; it serves {', '.join(self._prefixes)}")
        return self.base_url + self._prefixes[api]

    def correlation_id(self, label: str | None = None) -> str:
        """An ``X-Correlation-ID`` for this test: its prefix, then ``label`` or the next number. Requests that send
        one are the ones :meth:`journal` finds for this test."""
        return f"{self.correlation_prefix}{label if label is not None else next(self._numbers)}"

    def correlation_ids(self) -> Iterator[str]:
        """Endless fresh correlation ids for this test, for a client that takes a supplier of ids."""
        while True:
            yield self.correlation_id()

    # The sandbox as a whole

    def summary(self) -> dict[str, Any]:
        """What the sandbox serves, where its state is, the journal's fill (``GET /__admin``)."""
        __tracebackhide__ = True
        return dict(self._admin.call("GET", "/"))

    def reset(self, api: str | None = None) -> None:
        """Every API's data back to the fixtures loaded at start and the fault rules removed (or only ``api``'s).
        The journal is kept."""
        __tracebackhide__ = True
        self._admin.call("POST", "/reset" if api is None else f"/{_part(api)}/reset")

    # Fixture data

    def document(self, api: str) -> dict[str, Any]:
        """``api``'s fixture document as the sandbox serves it now, secrets withheld."""
        __tracebackhide__ = True
        return dict(self._admin.call("GET", f"/{_part(api)}"))

    def entity(self, api: str, collection: str, name: str) -> dict[str, Any]:
        """One entity (a VIP account, a Valkyrie player, ...), secrets withheld."""
        __tracebackhide__ = True
        return dict(self._admin.call("GET", _entity_path(api, collection, name)))

    def put_entity(self, api: str, collection: str, name: str, entity: Mapping[str, Any]) -> dict[str, Any]:
        """Creates the entity, or replaces the one of this name, checked as a fixture file is at start-up; returns it
        as stored, secrets withheld. ``put_entity("valkyrie", "players", "zero", {"player_id": ..., "balance":
        ...})``."""
        __tracebackhide__ = True
        return dict(self._admin.call("PUT", _entity_path(api, collection, name), body=dict(entity)))

    def delete_entity(self, api: str, collection: str, name: str) -> None:
        """Removes the entity (refused when the rest of the data names it, as a fixture file would be)."""
        __tracebackhide__ = True
        self._admin.call("DELETE", _entity_path(api, collection, name))

    def put_key(self, api: str, key: str, value: Any) -> Any:
        """Replaces one top-level key of ``api``'s fixture document (``providers``, ``audiences``, ...)."""
        __tracebackhide__ = True
        return self._admin.call("PUT", f"/{_part(api)}/{_part(key)}", body=value)

    # Faults

    def inject_fault(
        self,
        kind: str,
        *,
        api: str,
        name: str | None = None,
        operation: str | None = None,
        entity: str | None = None,
        probability: float | None = None,
        seed: int | None = None,
        **parameters: int | str,
    ) -> str:
        """Declares a fault rule and returns its name: ``kind`` (``delay``, ``error``, ``drop``, ``hang``,
        ``trickle``) with its ``parameters`` (``ms=2000``, ``status=503``, ...), on ``api``'s requests, only those of
        ``operation`` or that reach ``entity`` when given, on a ``probability`` share of them (repeatable with
        ``seed``). A reset removes it."""
        __tracebackhide__ = True
        rule: dict[str, Any] = {"api": api, "fault": {"kind": kind, **parameters}}
        optional = {"operation": operation, "entity": entity, "probability": probability, "seed": seed}
        rule.update({key: value for key, value in optional.items() if value is not None})
        name = name if name is not None else f"{kind}-{next(self._rules)}"
        self._admin.call("PUT", f"/faults/{_part(name)}", body=rule)
        return name

    def remove_fault(self, name: str) -> None:
        """Removes a fault rule; it stops acting on the next request."""
        __tracebackhide__ = True
        self._admin.call("DELETE", f"/faults/{_part(name)}")

    def faults(self) -> dict[str, Any]:
        """The fault rules declared through the admin API, by name."""
        __tracebackhide__ = True
        return dict(self._admin.call("GET", "/faults")["faults"])

    prefer_fault = staticmethod(fault_preference)

    # Credentials

    def mint_vip_token(
        self,
        operator: str = "example-operator",
        *,
        lifetime_seconds: int | None = None,
        claims: Mapping[str, Any] | None = None,
        key: int | None = None,
    ) -> Secret:
        """A JWT of a VIP fixture operator, for ``Authorization: Bearer``; ``claims`` override or add claims (None
        leaves one out), ``key`` picks the operator's second key (1)."""
        __tracebackhide__ = True
        request = {"lifetime_seconds": lifetime_seconds, "claims": dict(claims) if claims else None, "key": key}
        body = {name: value for name, value in request.items() if value is not None}
        minted = self._admin.call("POST", f"/vip-connect/operators/{_part(operator)}/token", body=body)
        return Secret(minted["token"], "VIP JWT")

    def create_valkyrie_session(
        self,
        player: str,
        provider: str = "evolution",
        *,
        expires_in_seconds: int | None = None,
        name: str | None = None,
    ) -> ValkyrieSession:
        """A live session of a Valkyrie player (by fixture name or player id), as the vendor stub's backdoor makes
        one; ``expires_in_seconds=0`` makes one that has already expired."""
        __tracebackhide__ = True
        request = {"player": player, "provider": provider, "expires_in_seconds": expires_in_seconds, "name": name}
        body = {key: value for key, value in request.items() if value is not None}
        made = self._admin.call("POST", "/valkyrie/sessions", body=body)
        return ValkyrieSession(
            name=made["name"],
            token=Secret(made["token"], "Valkyrie session token"),
            player=made["player"],
            player_id=made["player_id"],
            provider=made["provider"],
            expires_at=made.get("expires_at"),
        )

    def mint_paytronix_access_token(self, account: str, *, expires_in_seconds: int | None = None) -> Secret:
        """A new OAuth access token of a Paytronix guest account, for the ``oauth`` authentication style."""
        __tracebackhide__ = True
        body = {} if expires_in_seconds is None else {"expires_in_seconds": expires_in_seconds}
        made = self._admin.call("POST", f"/paytronix/accounts/{_part(account)}/access_tokens", body=body)
        return Secret(made["access_token"], "Paytronix access token")

    # The journal

    def journal(
        self,
        *,
        this_test: bool = True,
        api: str | None = None,
        operation: str | None = None,
        conformed: bool | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The journal's entries (requests, the case reached, the fault applied, status, conformance), in the order
        the requests arrived; by default only those whose ``X-Correlation-ID`` starts with this test's prefix. Every
        request answered before the call is in it, whichever worker answered."""
        __tracebackhide__ = True
        filters = {
            "correlation_prefix": self.correlation_prefix if this_test else None,
            "api": api,
            "operation": operation,
            "conformed": None if conformed is None else str(conformed).lower(),
            "since": since,
            "until": until,
            "limit": limit,
        }
        params = {key: value for key, value in filters.items() if value is not None}
        return list(self._admin.call("GET", "/journal", params=params)["entries"])

    def client_report(
        self,
        *,
        this_test: bool = True,
        apis: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        require: str | None = None,
        strict: bool = False,
    ) -> dict[str, Any]:
        """The verdict on the client from the journal (``GET /__admin/report``, as ``mockserver report`` shows it):
        the client requirements each request met or broke, and the documented cases reached. By default only this
        test's requests (their ``X-Correlation-ID`` prefix). ``report["verdict"]["exit_code"]`` is 0 when every MUST
        held and the required cases (``require``: ``default``, ``all``, ``none`` or ``API:CASE,...``) were reached."""
        __tracebackhide__ = True
        params: list[tuple[str, Any]] = [("api", api) for api in apis]
        filters = {
            "correlation_prefix": self.correlation_prefix if this_test else None,
            "since": since,
            "until": until,
            "require": require,
            "strict": "true" if strict else None,
        }
        params += [(key, value) for key, value in filters.items() if value is not None]
        report: dict[str, Any] = self._admin.call("GET", "/report", params=params)
        return report

    def clear_journal(self) -> None:
        """Empties the journal, for every test and client of the sandbox."""
        __tracebackhide__ = True
        self._admin.call("DELETE", "/journal")


def _part(text: str) -> str:
    return quote(text, safe="")


def _entity_path(api: str, collection: str, name: str) -> str:
    return f"/{_part(api)}/{_part(collection)}/{_part(name)}"
