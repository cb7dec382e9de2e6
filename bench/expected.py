"""What the soak expects of an answer's body: key fields with their values, in each API's own shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], str | None]  # None when the body is as expected, else what is wrong

# A delay asked of the mock is an asyncio timer, which the event loop may fire within its clock's resolution before
# the due time; an answer this much sooner than the delay is not judged early.
EARLY_SLACK_SECONDS = 0.002


def expect(**fields: Any) -> Check:
    """The body is a JSON object whose listed keys have these values (``...`` = present, ``None`` = absent)."""

    def check(body: Any) -> str | None:
        if not isinstance(body, dict):
            return f"body is not a JSON object: {body!r:.200}"
        for key, wanted in fields.items():
            path = key.split("__")
            value: Any = body
            for part in path:
                value = value.get(part, None) if isinstance(value, dict) else None
            if wanted is None and value is not None:
                return f"{'.'.join(path)} should be absent, is {value!r:.80}"
            if wanted is ... and value is None:
                return f"{'.'.join(path)} is missing"
            if wanted is not None and wanted is not ... and value != wanted:
                return f"{'.'.join(path)} is {value!r:.80}, expected {wanted!r}"
        return None

    return check


def with_length(key: str, length: int, inner: Check) -> Check:
    def check(body: Any) -> str | None:
        problem = inner(body)
        if problem:
            return problem
        value = body.get(key)
        if not isinstance(value, list) or len(value) != length:
            return f"{key} should be a list of {length}, is {value!r:.120}"
        return None

    return check


def vip_error(code: str, **more: Any) -> Check:
    return expect(**{"errorCode": code, "transactionStage": "VIP Account Inquiry", "operatorErrorMessage": ..., **more})


def ptx(result: str, error_code: str | None = None, **more: Any) -> Check:
    return expect(result=result, errorCode=error_code, **more)


def pam_error(code: str) -> Check:
    return expect(status="ERROR", error__code=code, error__message=...)
