"""The admin calls that mint sandbox credentials: an operator's JWT, a Valkyrie session, a Paytronix access token."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from mockserver import credentials
from mockserver.admin import SandboxAdmin
from mockserver.admin_errors import AdminError
from mockserver.errors import FixtureError
from mockserver.state_store import Draft

# Each call belongs to one API: the spec's paths name it.
VIP, VALKYRIE, PAYTRONIX = "vip-connect", "valkyrie", "paytronix"


class CredentialAdmin:
    """Mints credentials from the current fixture documents; a session or token is added through ``admin``, checked
    and committed like any other change."""

    def __init__(self, admin: SandboxAdmin, *, clock: Callable[[], float] = time.time) -> None:
        self._admin = admin
        self._clock = clock

    def operator_token(self, operator: str, request: Mapping[str, Any]) -> dict[str, Any]:
        document = self._admin.document(VIP)
        if operator not in document["operators"]:
            raise AdminError(404, f"{VIP} operators has no entity named {operator!r}.")
        options = {key: request[key] for key in ("lifetime_seconds", "claims", "key") if key in request}
        try:
            return credentials.operator_token(document, operator, self._clock(), **options)
        except FixtureError as problem:
            raise AdminError.invalid(problem) from None

    def create_session(self, request: Mapping[str, Any]) -> dict[str, Any]:
        def add(draft: Draft) -> dict[str, Any]:
            if request.get("name") in draft.documents[VALKYRIE]["sessions"]:
                raise AdminError(409, f"{VALKYRIE} sessions already has an entity named {request['name']!r}.")
            try:
                return credentials.add_session(draft.documents[VALKYRIE], request, self._clock())
            except FixtureError as problem:
                raise AdminError.invalid(problem) from None

        session, _ = self._admin.change(add)
        return session

    def create_access_token(self, account: str, request: Mapping[str, Any]) -> dict[str, Any]:
        def add(draft: Draft) -> dict[str, Any]:
            if account not in draft.documents[PAYTRONIX]["accounts"]:
                raise AdminError(404, f"{PAYTRONIX} accounts has no entity named {account!r}.")
            return credentials.add_access_token(draft.documents[PAYTRONIX], account, request, self._clock())

        token, _ = self._admin.change(add)
        return token
