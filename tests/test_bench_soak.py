"""bench/soak.py: a very short soak with admin changes and faults passes against the mock, and its judges catch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import REPO, bench_module


@pytest.mark.slow
def test_a_short_soak_with_admin_changes_and_faults_passes_against_two_workers(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    command = [
        sys.executable, str(REPO / "bench" / "soak.py"), "--seconds", "3", "--warmup", "1", "--connections", "4",
        "--hostile-connections", "0", "--admin-changes", "20", "--workers", "2", "--journal-size", "300",
        # The bounds on time and memory are the long soak's; a few seconds on a shared machine say nothing of them.
        "--max-healthz-p99", "100000", "--max-rss-growth", "1000", "--out", str(out),
    ]  # fmt: skip
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:] + finished.stdout[-3000:]
    result = json.loads(out.read_text())
    assert result["mismatches"] == 0 and result["socket_errors"] == 0
    faults = {name: case for name, case in result["cases"].items() if "fault=" in name}
    assert len(faults) == 5 and all(case["sent"] >= 2 for case in faults.values())
    mix = result["partner"]
    assert mix["rounds"] >= 2 and mix["admin_changes"] >= 18 and mix["problems"] == 0
    steps = mix["steps"]
    assert all(step["sent"] >= 1 and step["as_expected"] == step["sent"] for step in steps.values())
    for checked in ("balance under the fault rule", "Prefer: fault=hang", "Prefer: fault=drop", "no account"):
        assert steps[f"journal: {checked}"]["as_expected"] >= 1, checked
    journal = mix["journal"]
    assert journal["capacity"] == 300 and journal["size"] == 300 and journal["dropped"] >= 0
    assert result["mock_command"][-4:] == ["--workers", "2", "--journal-size", "300"]


def _answer(partner: Any, status: int | None, body: Any) -> Any:
    raw = json.dumps(body).encode() if body is not None else b""
    return partner.Answer(status, {}, body, raw, 0.2)


def test_the_partner_mixs_judges_refuse_what_the_mock_must_not_answer() -> None:
    partner = bench_module("partner")
    expected = bench_module("expected")
    ok = {"status": "OK", "balance": {"cashAmount": 101, "bonusAmount": 0, "promoAmount": 0}}
    check = partner.balance_ok(101)
    assert partner.judge(_answer(partner, 200, ok), 200, check) is None
    assert "HTTP 503" in partner.judge(_answer(partner, 503, ok), 200, check)
    assert "cashAmount" in partner.judge(_answer(partner, 200, {**ok, "balance": {"cashAmount": 100}}), 200, check)
    applied = partner.Answer(200, {"preference-applied": "fault=delay"}, ok, json.dumps(ok).encode(), 0.2)
    assert partner.judge(applied, 200, check, "fault=delay") is None
    assert "Preference-Applied" in partner.judge(_answer(partner, 200, ok), 200, check, "fault=delay")
    assert partner.judge(_answer(partner, None, None), None, None) is None  # a drop: no answer, as asked
    assert "expected None" in partner.judge(_answer(partner, 200, ok), None, None)
    assert partner.echoes({"a": 1})({"a": 1}) is None and partner.echoes({"a": 1})({"a": 2})

    delay = partner.JournalExpectation(200, {"kind": "delay", "source": "prefer"}, delay_range=(50, 150))
    fault = {"kind": "delay", "min_ms": 50, "max_ms": 150, "ms": 80, "source": "prefer"}
    entry: dict[str, Any] = {"status": 200, "fault": fault}
    assert partner.check_entry(entry, delay, 0.081) is None
    assert "before the 80 ms" in partner.check_entry(entry, delay, 0.05)
    assert "outside" in partner.check_entry({**entry, "fault": {**fault, "ms": 151}}, delay, 0.2)
    assert partner.check_entry(None, delay, 0.1) == "not in the journal"
    assert "status None" in partner.check_entry({**entry, "status": None}, delay, 0.1)
    plain = partner.JournalExpectation(200, None)
    assert "expected none" in partner.check_entry(entry, plain, 0.1)
    assert 0 < expected.EARLY_SLACK_SECONDS < 0.01


def test_the_soaks_fault_cases_are_judged_on_their_header_and_their_delay() -> None:
    soak = bench_module("soak")
    cases = {case.name: case for case in soak.build_cases()}
    assert len(cases) == len(soak.build_cases(faults=False)) + 5
    delay = cases["valkyrie fault=delay 20 ms (Prefer)"]
    body = json.dumps({"status": "OK", "balance": {"cashAmount": 1236.123456, "bonusAmount": 10.5}}).encode()
    headers = {"content-type": "application/json", "x-correlation-id": "c-1", "preference-applied": "fault=delay"}
    assert soak.judge(delay, 200, headers, body, "c-1", 0.021) is None
    assert "before the 20 ms" in soak.judge(delay, 200, headers, body, "c-1", 0.010)
    without = {key: value for key, value in headers.items() if key != "preference-applied"}
    assert "Preference-Applied" in soak.judge(delay, 200, without, body, "c-1", 0.021)
    plain = cases["valkyrie OK"]
    assert "Preference-Applied" in soak.judge(plain, 200, headers, body, "c-1", 0.001)
