"""The pytest plugin's balance_sandbox fixture in inner pytest sessions (pytester, a fresh interpreter each): inert
until used; a sandbox per session, reset between tests and stopped by PID at the end whatever happens; the URL of a
running sandbox instead; a sandbox that cannot start is a clear error; no secret in a failure's report."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path

import pytest
from support import LiveMock, start_mock

from mockserver.testing import SandboxStartError
from mockserver.testing.process import SandboxProcess

pytestmark = [pytest.mark.live, pytest.mark.slow]
pytest_plugins = ("pytester",)

# An inner session as strict as the repository's own, without a cache directory left behind.
STRICT = ("-p", "no:cacheprovider", "-W", "error", "--strict-markers")
ZERO = '{"player_id": "zero-balance-player-1", "balance": {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0}}'


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def recorded_pids(directory: Path) -> list[int]:
    return [int(line) for line in (directory / "pids.txt").read_text(encoding="utf-8").split()]


def test_a_session_that_does_not_use_the_fixture_starts_nothing_and_loads_no_server_library(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_an_unrelated_session(pytestconfig):
            assert pytestconfig.pluginmanager.hasplugin("mockserver")
            loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("mockserver", "connexion", "httpx"))
            assert loaded == ["mockserver", "mockserver.admin", "mockserver.admin.location", "mockserver.pytest_plugin"]
        """
    )
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(passed=1)


def test_the_options_are_in_pytests_help(pytester: pytest.Pytester) -> None:
    help_text = pytester.runpytest_subprocess("--help").stdout.str()
    for option in ("url=URL", "fixtures=DIR", "workers=N", "admin-token=TOKEN", "start-timeout=SECONDS"):
        assert f"--balance-sandbox-{option}" in help_text, option


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (
            ["--balance-sandbox-workers=0"],
            "--balance-sandbox-workers: expected a number of workers from 1 to 64, got '0'",
        ),
        (["--balance-sandbox-url=localhost:8000"], "--balance-sandbox-url: expected the sandbox's base URL"),
        (
            ["--balance-sandbox-url=http://127.0.0.1:8000", "--balance-sandbox-workers=2"],
            "--balance-sandbox-workers sets up the sandbox the session starts; with --balance-sandbox-url",
        ),
    ],
)
def test_a_bad_option_is_a_usage_error(pytester: pytest.Pytester, options: list[str], problem: str) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess(*STRICT, *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problem in result.stderr.str()


def test_two_tests_pass_each_on_a_reset_sandbox_and_the_sandbox_is_stopped_at_the_end(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        f"""
        import json
        from pathlib import Path

        import pytest
        from mockserver.testing import AdminCallError

        def test_creates_a_player(balance_sandbox):
            Path("pids.txt").write_text(str(balance_sandbox.pid))
            balance_sandbox.put_entity("valkyrie", "players", "zero", json.loads({ZERO!r}))
            players = balance_sandbox.summary()["apis"]["valkyrie"]["collections"]["players"]
            assert "zero" in players

        def test_does_not_see_it(balance_sandbox):
            assert Path("pids.txt").read_text() == str(balance_sandbox.pid)  # one sandbox for the session
            with pytest.raises(AdminCallError) as missing:
                balance_sandbox.entity("valkyrie", "players", "zero")
            assert missing.value.status == 404
        """
    )
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(passed=2)
    [pid] = recorded_pids(pytester.path)
    assert gone(pid)


def test_the_sandbox_and_its_workers_are_stopped_after_a_failure_and_after_ctrl_c(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import signal
        from pathlib import Path

        def record(balance_sandbox):
            # The sandbox's PID and its workers' (each journal entry names the worker that answered).
            url = balance_sandbox.url("valkyrie") + "/players/x/balance"
            import httpx
            for _ in range(20):
                httpx.get(url, headers={"X-Correlation-ID": balance_sandbox.correlation_id()}, timeout=10)
            workers = {entry["worker"] for entry in balance_sandbox.journal()}
            Path("pids.txt").write_text(" ".join(str(pid) for pid in [balance_sandbox.pid, *workers]))

        def test_fails(balance_sandbox):
            record(balance_sandbox)
            assert False, "a failing test"

        def test_interrupted(balance_sandbox):
            Path("pids.txt").write_text(str(balance_sandbox.pid))
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C does
        """
    )
    result = pytester.runpytest_subprocess(*STRICT, "--balance-sandbox-workers=2", "-k", "fails")
    result.assert_outcomes(failed=1)
    pids = recorded_pids(pytester.path)
    assert len(pids) >= 2 and all(gone(pid) for pid in pids), pids

    result = pytester.runpytest_subprocess(*STRICT, "-k", "interrupted")
    assert result.ret == pytest.ExitCode.INTERRUPTED and "KeyboardInterrupt" in result.stdout.str()
    [pid] = recorded_pids(pytester.path)
    assert gone(pid)


def test_a_running_sandbox_with_two_workers_is_used_as_it_is_and_left_running(pytester: pytest.Pytester) -> None:
    mock: LiveMock = start_mock("--workers", "2")
    try:
        pytester.makepyfile(
            f"""
            import json

            def test_given_url(balance_sandbox):
                assert balance_sandbox.pid is None
                assert balance_sandbox.url("valkyrie") == "{mock.url}/valkyrie"
                balance_sandbox.put_entity("valkyrie", "players", "zero", json.loads({ZERO!r}))

            def test_reset_between_tests(balance_sandbox):
                assert "zero" not in balance_sandbox.document("valkyrie")["players"]
            """
        )
        result = pytester.runpytest_subprocess(*STRICT, f"--balance-sandbox-url={mock.url}/")
        result.assert_outcomes(passed=2)
        assert mock.process.poll() is None
    finally:
        mock.stop()


def test_a_sandbox_that_cannot_start_is_an_error_naming_its_log_not_a_hang(pytester: pytest.Pytester) -> None:
    empty = pytester.mkdir("no-fixtures")
    pytester.makepyfile(
        """
        def test_one(balance_sandbox):
            pass

        def test_two(balance_sandbox):
            pass
        """
    )
    result = pytester.runpytest_subprocess(*STRICT, f"--balance-sandbox-fixtures={empty}")
    result.assert_outcomes(errors=2)
    output = result.stdout.str()
    assert re.search(
        r"balance sandbox: the sandbox \(PID \d+\) exited with code 2 before it served; the last lines", output
    )
    assert re.search(r"\| mockserver: cannot start: .*no-fixtures", output), output
    assert "Traceback" not in output


def test_a_sandbox_url_nothing_answers_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    with socket.socket() as closed:  # a port that was free a moment ago, and that nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    pytester.makepyfile("def test_one(balance_sandbox):\n    pass\n")
    result = pytester.runpytest_subprocess(*STRICT, f"--balance-sandbox-url={url}")
    result.assert_outcomes(errors=1)
    assert f"balance sandbox: cannot reach the sandbox at {url}" in result.stdout.str()


def test_a_process_that_never_serves_is_stopped_after_the_start_timeout(tmp_path: Path) -> None:
    silent = [sys.executable, "-c", "print('starting', flush=True); import time; time.sleep(120)"]
    with pytest.raises(SandboxStartError) as late:
        SandboxProcess.start(tmp_path / "log", command=silent, timeout=0.5)
    message = str(late.value)
    started = re.match(r"the sandbox \(PID (\d+)\) did not come up within 0.5 s; the last lines of its log \(", message)
    assert started, message
    assert gone(int(started.group(1)))


def test_no_secret_is_in_the_report_of_a_failing_test(pytester: pytest.Pytester) -> None:
    admin_token = "inner-admin-token-0123456789abcdef"
    pytester.makepyfile(
        """
        from pathlib import Path

        from mockserver.testing import Secret

        def test_uses_credentials(balance_sandbox):
            token = balance_sandbox.mint_vip_token()
            session = balance_sandbox.create_valkyrie_session("alice")
            Path("secrets.txt").write_text(f"{token} {session.token}")
            assert session is None

        def test_refused_change(balance_sandbox):
            mine = Secret("my-own-session-token-" + "5" * 8, "session token")  # too short: refused
            Path("mine.txt").write_text(mine)
            balance_sandbox.put_entity(
                "valkyrie", "sessions", "mine", {"token": mine, "player": "alice", "provider": "evolution"}
            )
        """
    )
    # -l: pytest shows every local variable of a failing test too.
    result = pytester.runpytest_subprocess(*STRICT, "-l", f"--balance-sandbox-admin-token={admin_token}")
    result.assert_outcomes(failed=2)
    output = result.stdout.str() + result.stderr.str()
    assert "token      = <VIP JWT withheld" in output
    assert "token=<Valkyrie session token withheld, 40 characters>" in output
    assert "answered 400: sessions.mine.token: expected" in output
    minted = (pytester.path / "secrets.txt").read_text(encoding="utf-8").split()
    mine = (pytester.path / "mine.txt").read_text(encoding="utf-8")
    for secret in [admin_token, mine, *minted]:
        assert secret not in output
