"""Which methods each served path accepts, read from the specs, for the ``Allow`` header of a 405."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class RouteTable:
    """Path templates of every served operation; Starlette's own 405 lists only the first route that matched."""

    def __init__(self, specs: Mapping[str, dict[str, Any]]) -> None:
        self._routes: list[tuple[re.Pattern[str], str]] = []
        for prefix, spec in specs.items():
            for template, item in spec["paths"].items():
                methods = [name.upper() for name in HTTP_METHODS if name in item]
                if "GET" in methods and "HEAD" not in methods:
                    methods.append("HEAD")  # Starlette answers HEAD wherever it answers GET
                pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(prefix + template))
                self._routes.append((re.compile(pattern + "$"), ", ".join(sorted(methods))))

    def allow(self, path: str) -> str | None:
        """The ``Allow`` value for ``path``, or None when no operation is served there."""
        return next((methods for pattern, methods in self._routes if pattern.match(path)), None)
