"""The soak's partner mix: admin changes on entities of its own and faults asked for per request, every answer checked.

One task runs rounds, each of them the same script on the Valkyrie player ``soak`` (never an entity the valid mix
checks): create it, mint a session for it, change its balance, try a change start-up would refuse, add and remove
the fault rule ``soak-fault`` on it, take its account away, delete the session and the player. At most
``rate`` changes a second. After each change a balance request for the player, on a fresh connection (with
several workers any of them may answer, and each must serve the state in force), gets the answer of that state.
Each round also asks for the faults the valid mix cannot judge on a keep-alive connection (a delay within a range,
a hang, a dropped connection, a trickled body), then reads its own requests back from the journal: each with the
fault it got and its status, a chosen delay within its range. At the end, the journal's summary: its capacity the
``--journal-size`` asked for, its size within it (full once more requests came than it keeps), what it dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import benchlib
import hostile
from expected import EARLY_SLACK_SECONDS, Check, expect, pam_error

from mockserver.faults.acting import TRICKLE_STEP_SECONDS

PLAYER = "soak"  # fixture names of the partner mix's own entities
PLAYER_ID = "soak-partner-player"
RULE = "soak-fault"
CORRELATION = "soak-partner-"  # its requests' X-Correlation-ID prefix, then the round and the step
ANSWER_TIMEOUT = 10.0
DELAY_RANGE_MS = (50, 150)
HANG_MS = 300
TRICKLE_BYTES_PER_SECOND = 200


@dataclass
class StepTally:
    sent: int = 0
    as_expected: int = 0
    problems: int = 0


@dataclass
class Answer:
    status: int | None  # None: the connection closed without an answer
    headers: dict[str, str]
    body: Any
    raw: bytes
    seconds: float


@dataclass
class JournalExpectation:
    """What the journal must show for one of the round's requests."""

    status: int | None
    fault: dict[str, Any] | None  # keys the entry's fault must hold; None: no fault
    delay_range: tuple[int, int] | None = None  # a ranged delay: the ms chosen must be within it


@dataclass
class PartnerResult:
    steps: dict[str, StepTally] = field(default_factory=dict)
    rounds: int = 0
    changes: int = 0
    evicted: int = 0  # requests the journal's ring had let go before they were read back, so not judged there
    workers_seen: set[int] = field(default_factory=set)
    journal: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> int:
        return sum(t.problems for t in self.steps.values())

    def summary(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "admin_changes": self.changes,
            "journal_entries_evicted_before_read": self.evicted,
            "workers_seen_in_journal": len(self.workers_seen),
            "journal": self.journal,
            "problems": self.problems,
            "steps": {
                name: {"sent": t.sent, "as_expected": t.as_expected, "problems": t.problems}
                for name, t in self.steps.items()
            },
        }


async def call(port: int, method: str, target: str, headers: dict[str, str] | None = None, body: Any = None) -> Answer:
    """One request on a fresh connection (closed after the answer), its answer parsed as JSON when it is."""
    sent_headers = {**(headers or {}), "Connection": "close"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent_headers["Content-Type"] = "application/json"
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(hostile.raw_request(method, target, sent_headers, payload))
        await writer.drain()
        raw = await asyncio.wait_for(hostile.read_to_close(reader), ANSWER_TIMEOUT)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()
    seconds = time.monotonic() - started
    if not raw:
        return Answer(None, {}, None, b"", seconds)
    status, answer_headers, content = hostile.first_answer(raw)
    try:
        parsed = json.loads(content) if content else None
    except ValueError:
        parsed = None
    return Answer(status, answer_headers, parsed, content, seconds)


def echoes(sent: dict[str, Any]) -> Check:
    """The admin answer is the entity or rule sent, as sent."""
    return lambda body: None if body == sent else f"answered {body!r:.200}, expected {sent!r:.200}"


def balance_ok(cash: float) -> Check:
    return expect(status="OK", balance__cashAmount=cash, balance__bonusAmount=0, error=None)


def refused(key: str) -> Check:
    return expect(error__key=key, error__expected=..., error__found=...)


def judge(answer: Answer, status: int | None, check: Check | None, applied: str | None = None) -> str | None:
    """None when the answer has the status, the body and the Preference-Applied header expected."""
    if answer.status != status:
        return f"HTTP {answer.status}, expected {status}: {answer.raw[:200]!r}"
    if check is not None:
        if answer.body is None:
            return f"body is not JSON: {answer.raw[:200]!r}"
        problem = check(answer.body)
        if problem:
            return problem
    if answer.headers.get("preference-applied") != applied:
        return f"Preference-Applied {answer.headers.get('preference-applied')!r}, expected {applied!r}"
    return None


async def journal_size(port: int) -> int:
    """The entries the journal holds now (0 when the admin API does not say)."""
    answer = await call(port, "GET", "/__admin")
    journal = answer.body.get("journal") if isinstance(answer.body, dict) else None
    size = journal.get("size") if isinstance(journal, dict) else None
    return size if isinstance(size, int) else 0


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def trickle_seconds(answer: Answer) -> float:
    """The least time a trickled body takes: it goes in pieces of rate x step seconds, a pause after each but the
    last (mockserver.faults.acting)."""
    step = max(1, int(TRICKLE_BYTES_PER_SECOND * TRICKLE_STEP_SECONDS))
    return max(0, math.ceil(len(answer.raw) / step) - 1) * TRICKLE_STEP_SECONDS


def check_entry(entry: dict[str, Any] | None, expected: JournalExpectation, seconds: float) -> str | None:
    """None when a journal entry shows what its request got (the client waited ``seconds``)."""
    if entry is None:
        return "not in the journal"
    if entry.get("status") != expected.status:
        return f"journaled with status {entry.get('status')}, expected {expected.status}"
    fault = entry.get("fault")
    if expected.fault is None:
        return None if fault is None else f"journaled with a fault {fault!r}, expected none"
    if not isinstance(fault, dict) or any(fault.get(key) != value for key, value in expected.fault.items()):
        return f"journaled with fault {fault!r}, expected {expected.fault!r}"
    if expected.delay_range is not None:
        low, high = expected.delay_range
        chosen = fault.get("ms")
        if not isinstance(chosen, int) or not low <= chosen <= high:
            return f"delay of {chosen!r} ms chosen, outside {low}-{high} ms"
        if seconds < chosen / 1000 - EARLY_SLACK_SECONDS:
            return f"answered after {seconds * 1000:.1f} ms, before the {chosen} ms delay chosen"
    return None


class PartnerMix:
    """The partner task of one soak, its tallies and its checks."""

    def __init__(self, port: int, *, rate: float, faults: bool, examples: list[dict[str, Any]]) -> None:
        self.port = port
        self.rate = rate
        self.faults = faults
        self.examples = examples
        self.result = PartnerResult()
        api_token, sessions = benchlib.valkyrie_credentials()
        self._pam = {"Authorization": f"Bearer {api_token}"}
        self._active = sessions["active"]
        self._next_change = 0.0
        self._deadline = 0.0
        self._serial = 0

    # Tallies

    def _tally(self, step: str, problem: str | None) -> bool:
        tally = self.result.steps.setdefault(step, StepTally())
        tally.sent += 1
        if problem is None:
            tally.as_expected += 1
            return True
        tally.problems += 1
        if len(self.examples) < 20:
            self.examples.append({"partner step": step, "problem": problem})
        return False

    async def _pace(self) -> None:
        # At most `rate` changes a second; once the deadline has passed, the round under way finishes at once.
        now = time.monotonic()
        if now < self._deadline and self._next_change > now:
            await asyncio.sleep(min(self._next_change, self._deadline) - now)
        self._next_change = max(now, self._next_change) + 1 / self.rate
        self.result.changes += 1

    # Steps

    async def admin(self, step: str, method: str, path: str, body: Any, status: int, check: Check | None) -> Any:
        """An admin change, paced; its answer's body when it is the one expected, else None."""
        await self._pace()
        try:
            answer = await call(self.port, method, f"/__admin{path}", body=body)
        except (OSError, TimeoutError) as error:
            self._tally(step, f"socket error: {type(error).__name__}: {error}")
            return None
        ok = self._tally(step, judge(answer, status, check))
        return answer.body if ok else None

    async def balance(
        self,
        step: str,
        token: str,
        status: int | None,
        check: Check | None,
        *,
        journal: JournalExpectation,
        player_id: str = PLAYER_ID,
        prefer: str | None = None,
        applied: str | None = None,
        min_seconds: float | Callable[[Answer], float] = 0.0,
    ) -> None:
        """A balance request for the soak player, judged, then read back from the journal."""
        self._serial += 1
        correlation = f"{CORRELATION}{self.result.rounds:06d}-{self._serial:02d}"
        headers = {**self._pam, "X-Player-Token": token, "X-Correlation-ID": correlation}
        if prefer is not None:
            headers["Prefer"] = prefer
        target = f"/valkyrie/players/{player_id}/balance?provider=evolution"
        sent_at = time.time()
        try:
            answer = await call(self.port, "GET", target, headers)
        except (OSError, TimeoutError) as error:
            self._tally(step, f"socket error: {type(error).__name__}: {error}")
            return
        problem = judge(answer, status, check, applied)
        earliest = min_seconds(answer) if callable(min_seconds) else min_seconds
        if problem is None and answer.seconds < earliest - EARLY_SLACK_SECONDS:
            problem = f"answered after {answer.seconds * 1000:.1f} ms, before {earliest * 1000:g} ms"
        self._tally(step, problem)
        await self.check_journal(f"journal: {step}", correlation, journal, answer.seconds, sent_at)

    async def run(self, seconds: float) -> PartnerResult:
        """Rounds until ``seconds`` have passed; the round under way then finishes."""
        self._deadline = time.monotonic() + seconds
        while time.monotonic() < self._deadline:
            await self.one_round()
        return self.result

    async def one_round(self) -> None:
        """The script once, every answer checked; counted in ``rounds``."""
        try:
            await self._script()
        finally:
            self.result.rounds += 1

    async def _script(self) -> None:
        self._serial = 0
        cash = 100 + self.result.rounds  # another balance each round: a state left from an earlier one shows
        balance: dict[str, float] = {"cashAmount": cash, "bonusAmount": 0, "promoAmount": 0}
        player: dict[str, Any] = {"player_id": PLAYER_ID, "balance": balance}
        plain = JournalExpectation(200, None)
        if await self.admin("create player", "PUT", f"/valkyrie/players/{PLAYER}", player, 201, echoes(player)) is None:
            await self._clean_up()
            return
        session = await self.admin(
            "mint session", "POST", "/valkyrie/sessions", {"player": PLAYER, "provider": "evolution"}, 201,
            expect(player=PLAYER, provider="evolution", player_id=PLAYER_ID, token=..., name=...),
        )  # fmt: skip
        if session is None:
            await self._clean_up()
            return
        token, session_name = session["token"], session["name"]
        await self.balance("balance of the new player", token, 200, balance_ok(cash), journal=plain)

        changed = {**player, "balance": {**balance, "cashAmount": cash + 0.25}}
        await self.admin("change balance", "PUT", f"/valkyrie/players/{PLAYER}", changed, 200, echoes(changed))
        await self.balance("balance after the change", token, 200, balance_ok(cash + 0.25), journal=plain)

        bad = {**player, "balance": {**balance, "cashAmount": 1.1234567}}
        await self.admin(
            "change refused (7 decimals)", "PUT", f"/valkyrie/players/{PLAYER}", bad, 400,
            refused(f"players.{PLAYER}.balance.cashAmount"),
        )  # fmt: skip
        await self.balance("balance after the refused change", token, 200, balance_ok(cash + 0.25), journal=plain)

        rule = {
            "api": "valkyrie",
            "entity": PLAYER,
            "fault": {"kind": "error", "status": 503, "code": "PAM_ERR_TIMEOUT"},
        }
        await self.admin("add fault rule", "PUT", f"/faults/{RULE}", rule, 201, echoes(rule))
        ruled = {"kind": "error", "status": 503, "code": "PAM_ERR_TIMEOUT", "source": "rule", "rule": RULE}
        await self.balance(
            "balance under the fault rule", token, 503, pam_error("PAM_ERR_TIMEOUT"),
            journal=JournalExpectation(503, ruled),
        )  # fmt: skip
        await self.admin("remove fault rule", "DELETE", f"/faults/{RULE}", None, 204, None)
        await self.balance("balance without the rule", token, 200, balance_ok(cash + 0.25), journal=plain)

        if self.faults:
            await self.preferred_faults(token, cash + 0.25)

        no_account = {"player_id": PLAYER_ID, "balance": None}
        await self.admin("take the account away", "PUT", f"/valkyrie/players/{PLAYER}", no_account, 200, None)
        await self.balance("no account", token, 200, pam_error("PAM_ERR_ACC_NOT_FOUND"), journal=plain)
        await self.admin("delete session", "DELETE", f"/valkyrie/sessions/{session_name}", None, 204, None)
        await self.balance(
            "session deleted", token, 401, pam_error("PAM_ERR_SESSION_NOT_FOUND"), journal=JournalExpectation(401, None)
        )
        await self.admin("delete player", "DELETE", f"/valkyrie/players/{PLAYER}", None, 204, None)
        await self.balance("player deleted", self._active, 200, pam_error("PAM_ERR_PLAYER_NOT_FOUND"), journal=plain)

    async def preferred_faults(self, token: str, cash: float) -> None:
        """The faults a keep-alive connection cannot judge, asked for with Prefer, each on a fresh connection."""
        low, high = DELAY_RANGE_MS
        await self.balance(
            "Prefer: fault=delay (range)", token, 200, balance_ok(cash),
            prefer=f"fault=delay; min_ms={low}; max_ms={high}", applied="fault=delay", min_seconds=low / 1000,
            journal=JournalExpectation(200, {"kind": "delay", "source": "prefer"}, delay_range=DELAY_RANGE_MS),
        )  # fmt: skip
        await self.balance(
            "Prefer: fault=hang", token, None, None, prefer=f"fault=hang; ms={HANG_MS}", min_seconds=HANG_MS / 1000,
            journal=JournalExpectation(None, {"kind": "hang", "ms": HANG_MS, "source": "prefer"}),
        )  # fmt: skip
        await self.balance(
            "Prefer: fault=drop", token, None, None, prefer="fault=drop",
            journal=JournalExpectation(None, {"kind": "drop", "source": "prefer"}),
        )  # fmt: skip
        await self.balance(
            "Prefer: fault=trickle", token, 200, balance_ok(cash),
            prefer=f"fault=trickle; bytes_per_second={TRICKLE_BYTES_PER_SECOND}", applied="fault=trickle",
            min_seconds=trickle_seconds, journal=JournalExpectation(200, {"kind": "trickle", "source": "prefer"}),
        )  # fmt: skip

    async def check_journal(
        self, step: str, correlation: str, expected: JournalExpectation, seconds: float, sent_at: float
    ) -> None:
        """A request read back from the journal at once (the read waits for every worker's writer). An entry the
        ring has already let go is not judged: so it is when the ring holds nothing older than a second before it
        (the ring drops entries in the order they were written, a writer's batch at most a fraction of a second
        after its requests)."""
        try:
            answer = await call(self.port, "GET", f"/__admin/journal?correlation_prefix={correlation}")
            entries = answer.body.get("entries") if answer.status == 200 and isinstance(answer.body, dict) else None
            if entries is None:
                self._tally(step, f"journal read: HTTP {answer.status}: {answer.raw[:200]!r}")
                return
            if not entries:
                older = await call(self.port, "GET", f"/__admin/journal?until={_rfc3339(sent_at - 1)}&limit=1")
                if older.status == 200 and isinstance(older.body, dict) and not older.body.get("entries"):
                    self.result.evicted += 1
                    return
        except (OSError, TimeoutError) as error:
            self._tally(step, f"journal read: socket error: {type(error).__name__}: {error}")
            return
        entry = entries[0] if entries else None
        self._tally(step, check_entry(entry, expected, seconds))
        if entry is not None and isinstance(entry.get("worker"), int):
            self.result.workers_seen.add(entry["worker"])

    async def _clean_up(self) -> None:
        # A round that could not go on: the Valkyrie fixtures as loaded, so the next round starts from them.
        with contextlib.suppress(OSError, TimeoutError):
            await call(self.port, "POST", "/__admin/valkyrie/reset")

    async def check_summary(self, journal_size: int, api_requests: int) -> None:
        """The journal's summary after the load: its capacity, its size within it, what it dropped."""
        try:
            answer = await call(self.port, "GET", "/__admin")
        except (OSError, TimeoutError) as error:
            self._tally("journal summary", f"socket error: {type(error).__name__}: {error}")
            return
        if not self._tally("journal summary", judge(answer, 200, expect(journal__size=..., journal__dropped=...))):
            return
        journal = answer.body["journal"]
        self.result.journal = {**journal, "api_requests_sent": api_requests}
        size, capacity, dropped = journal["size"], journal["capacity"], journal["dropped"]
        problem = None
        if capacity != journal_size:
            problem = f"capacity {capacity}, expected --journal-size {journal_size}"
        elif size > capacity:
            problem = f"{size} entries kept, over the capacity of {capacity}"
        elif api_requests - dropped > capacity and size != capacity:
            problem = f"{size} entries kept after {api_requests} requests ({dropped} dropped): the ring is not full"
        self._tally("journal bounded by --journal-size", problem)
