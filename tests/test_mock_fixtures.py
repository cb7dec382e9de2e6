"""Fixture loading: the bundled files load, and every kind of broken fixture is refused naming file, key and values.

Each broken case copies the three bundled files into a temporary directory and changes one value in one of them.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import FIXTURES, fixture

from mockserver import APIS as MOCK_APIS
from mockserver import FixtureError, load_fixtures

APIS = tuple(api.name for api in MOCK_APIS)

Mutate = Callable[[dict[str, Any]], None]
Build = Callable[[Path], Path]
Key = str | int


def broken(tmp_path: Path, api: str, mutate: Mutate) -> Path:
    """Copy the bundled fixture file of every API into ``tmp_path``; apply ``mutate`` to the parsed one of ``api``."""
    for name in APIS:
        shutil.copy(FIXTURES / f"{name}.yaml", tmp_path / f"{name}.yaml")
    path = tmp_path / f"{api}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return tmp_path


def unchanged(data: dict[str, Any]) -> None:
    """The mutation that changes nothing."""


def _parent(data: dict[str, Any], keys: tuple[Key, ...]) -> Any:
    node: Any = data
    for key in keys[:-1]:
        node = node[key]
    return node


def put(*keys: Key, value: Any) -> Mutate:
    """Set the value at ``keys`` (adding the key if it is new)."""

    def mutate(data: dict[str, Any]) -> None:
        _parent(data, keys)[keys[-1]] = value

    return mutate


def drop(*keys: Key) -> Mutate:
    """Remove the key at ``keys``."""

    def mutate(data: dict[str, Any]) -> None:
        del _parent(data, keys)[keys[-1]]

    return mutate


def rename(*keys: Key, to: str) -> Mutate:
    """Rename the mapping key at ``keys``, keeping its place among its siblings."""

    def mutate(data: dict[str, Any]) -> None:
        parent = _parent(data, keys)
        items = list(parent.items())
        parent.clear()
        parent.update((to if name == keys[-1] else name, value) for name, value in items)

    return mutate


def fails(
    api: str, mutate: Mutate, key: str, expected: tuple[str, ...], found: tuple[str, ...], *, id: str
) -> pytest.ParameterSet:
    """A case refused naming ``<api>.yaml`` and ``key``; ``expected`` and ``found``: words the error's fields hold."""
    return pytest.param(
        lambda tmp_path: broken(tmp_path, api, mutate), f"{api}.yaml", key, expected, found, id=f"{api}-{id}"
    )


# Cases that are not one changed value of the parsed YAML.


def missing_file(tmp_path: Path) -> Path:
    broken(tmp_path, "vip-connect", unchanged)
    (tmp_path / "vip-connect.yaml").unlink()
    return tmp_path


PAYTRONIX_LINES = (FIXTURES / "paytronix.yaml").read_text(encoding="utf-8").splitlines()
SYNTAX_ERROR_LINE = 1 + next(index for index, line in enumerate(PAYTRONIX_LINES) if line.startswith("merchants:"))


def yaml_syntax_error(tmp_path: Path) -> Path:
    broken(tmp_path, "paytronix", unchanged)
    # The bundled text, comments included, so that the line number is the one in the bundled file.
    # '@' is reserved in YAML: no token can start with it.
    text = "\n".join(PAYTRONIX_LINES).replace("\nmerchants:", "\n@merchants:")
    (tmp_path / "paytronix.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def top_level_list(tmp_path: Path) -> Path:
    broken(tmp_path, "valkyrie", unchanged)
    (tmp_path / "valkyrie.yaml").write_text("- alice\n- bob\n", encoding="utf-8")
    return tmp_path


VALKYRIE_LINES = (FIXTURES / "valkyrie.yaml").read_text(encoding="utf-8").splitlines()
# The bundled `alice:` follows the three inserted lines, so it is the second `alice` and the one refused.
DUPLICATE_LINE = 1 + VALKYRIE_LINES.index("players:") + 4


def duplicate_key(tmp_path: Path) -> Path:
    broken(tmp_path, "valkyrie", unchanged)
    # A second `alice:` right under `players:`; PyYAML alone would keep one of the two silently.
    text = (
        (FIXTURES / "valkyrie.yaml")
        .read_text(encoding="utf-8")
        .replace("players:\n", "players:\n  alice:\n    player_id: other\n    balance: null\n", 1)
    )
    (tmp_path / "valkyrie.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def not_a_directory(tmp_path: Path) -> Path:
    return broken(tmp_path, "vip-connect", unchanged) / "vip-connect.yaml"


VIP_OPERATOR_ID: str = fixture("vip-connect")["operators"]["example-operator"]["operator_id"]
PAYTRONIX_TOKEN: str = fixture("paytronix")["accounts"]["active"]["access_tokens"][0]["access_token"]
PAYTRONIX_CLIENT_ID: str = fixture("paytronix")["clients"]["sandbox-integration"]["client_id"]
VALKYRIE_TOKEN: str = fixture("valkyrie")["sessions"]["active"]["token"]
VALKYRIE_ALICE_ID: str = fixture("valkyrie")["players"]["alice"]["player_id"]
SHORT_SECRET = base64.b64encode(b"k" * 16).decode()
SAME_DL = {"IdType": "DL", "IdNumber": "ga054983545", "IdState": "ga"}  # the preferred account's, in lower case

# Each case: how to build the fixture directory, the file and key the error names, words of expected and found.
# fmt: off
CASES = [
    # Reading the file.
    pytest.param(missing_file, "vip-connect.yaml", "(file)", ("YAML fixture file",), ("no such file",),
                 id="missing-file"),
    pytest.param(yaml_syntax_error, "paytronix.yaml", f"line {SYNTAX_ERROR_LINE}, column 1", ("valid YAML",),
                 ("cannot start any token",), id="yaml-syntax-error"),
    pytest.param(top_level_list, "valkyrie.yaml", "(top level)", ("mapping",), ("list",),
                 id="top-level-not-a-mapping"),
    pytest.param(not_a_directory, None, "--fixtures", ("directory",), ("not a directory",),
                 id="fixtures-not-a-directory"),
    # The fixture schema.
    fails("vip-connect", rename("accounts", "preferred", "bank_accounts", to="bank_acounts"),
          "accounts.preferred.bank_acounts", ("bank_accounts",), ("unexpected key",), id="unknown-key-typo"),
    fails("valkyrie", drop("players", "alice", "player_id"),
          "players.alice.player_id", ("a value",), ("nothing",), id="missing-required-key"),
    fails("vip-connect", put("operators", "example-operator", "bank_accounts", value="yes"),
          "operators.example-operator.bank_accounts", ("true or false",), ("'yes'", "str"),
          id="operator-toggle-wrong-type"),
    fails("vip-connect", put("accounts", "preferred", "vip_account_number", value="72109888"),
          "accounts.preferred.vip_account_number", ("10 digits",), ("'72109888'",), id="account-number-not-10-digits"),
    fails("valkyrie", put("sessions", "active", "token", value="0123456789ab"),
          "sessions.active.token", ("32-40 characters",), ("12",), id="token-too-short"),
    fails("vip-connect", put("accounts", "preferred", "product", value="gold"),
          "accounts.preferred.product", ("'preferred'", "'online'"), ("'gold'",), id="product-not-in-enum"),
    fails("vip-connect", rename("accounts", "closed", to="Closed"),
          "accounts.Closed", ("lower-case",), ("'Closed'",), id="case-name-not-lower-case"),
    fails("paytronix", put("merchants", value=[]),
          "merchants", ("at least 1",), ("0",), id="no-merchants"),
    fails("valkyrie", put("sessions", "expired", "expires_at", value="2024-01-01T00:00:00"),
          "sessions.expired.expires_at", ("RFC 3339",), ("'2024-01-01T00:00:00'",), id="expiry-without-offset"),
    # VIP Connect rules.
    fails("vip-connect", put("operators", "example-operator", "secret_base64", value="not base64!"),
          "operators.example-operator.secret_base64", ("base64",), ("'not base64!'",), id="secret-bad-characters"),
    fails("vip-connect", put("operators", "example-operator", "secret_base64", value="abcde"),
          "operators.example-operator.secret_base64", ("valid base64",), ("'abcde'",), id="secret-bad-base64"),
    fails("vip-connect", put("operators", "example-operator", "secret_base64", value=SHORT_SECRET),
          "operators.example-operator.secret_base64", ("at least 32 bytes",), ("16 bytes",), id="secret-too-short"),
    fails("vip-connect", put("operators", "example-operator", "secret_base64", 1, value=SHORT_SECRET),
          "operators.example-operator.secret_base64[1]", ("at least 32 bytes",), ("16 bytes",),
          id="second-key-too-short"),
    fails("vip-connect", put("operators", "example-operator", "secret_base64", value=[SHORT_SECRET] * 3),
          "operators.example-operator.secret_base64", ("one or two keys",), (SHORT_SECRET,), id="three-keys"),
    fails("vip-connect", put("operators", "bank-accounts-operator", "operator_id", value=VIP_OPERATOR_ID.upper()),
          "operators.bank-accounts-operator.operator_id", ("no other operator",), (VIP_OPERATOR_ID.upper(),),
          id="duplicate-operator-id-other-case"),
    fails("vip-connect", put("accounts", "by-id", "vip_account_number", value="7210988860"),
          "accounts.by-id.vip_account_number", ("no other account of this product",), ("'7210988860'",),
          id="duplicate-account-number"),
    fails("vip-connect", put("accounts", "closed", "id_details", value=SAME_DL),
          "accounts.closed.id_details", ("no other account of this product",), ("ga054983545",),
          id="duplicate-id-details-other-case"),
    fails("vip-connect", drop("accounts", "closed", "id_details", "IdState"),
          "accounts.closed.id_details.IdState", ("two letters",), ("nothing",), id="driver-license-without-state"),
    fails("vip-connect", put("unknown", "vip_account_numbers", 1, value="7210695258"),
          "unknown.vip_account_numbers[1]", ("no account has",), ("'7210695258'",),
          id="unknown-number-an-account-has"),
    fails("vip-connect", put("unknown", "id_details", 1, value={"IdType": "SS", "IdNumber": "543083512"}),
          "unknown.id_details[1]", ("no account has",), ("543083512",), id="unknown-id-details-an-account-has"),
    fails("vip-connect", rename("accounts", "closed", to="account_not_found"),
          "accounts.account_not_found", ("another name",), ("it",), id="account-named-like-the-not-found-case"),
    # VIP Connect responses, checked against the OpenAPI spec.
    fails("vip-connect", put("accounts", "preferred", "patron", "memberSince", value="yesterday"),
          "accounts.preferred.patron.memberSince", ("date-time",), ("'yesterday'",),
          id="member-since-not-a-date-time"),
    fails("vip-connect", put("accounts", "online", "patron", "availableAmount", value=5.0),
          "accounts.online.patron.availableAmount", ("no 'availableAmount' key",), ("one",),
          id="online-account-with-available-amount"),
    fails("vip-connect", drop("accounts", "preferred", "bank_accounts", 0, "availableLimit"),
          "accounts.preferred.bank_accounts[0].availableLimit", ("a value",), ("nothing",),
          id="preferred-bank-account-without-available-limit"),
    fails("vip-connect", put("accounts", "preferred", "patron", "dateOfBirth", value="1997-09-10"),
          "accounts.preferred.patron.dateOfBirth", ("MMDDYYYY",), ("'1997-09-10'",), id="date-of-birth-wrong-format"),
    fails("vip-connect", put("accounts", "preferred", "patron", "last4SSN", value="35455"),
          "accounts.preferred.patron.last4SSN", ("[0-9]{4}",), ("'35455'",), id="last4ssn-five-digits"),
    fails("vip-connect", drop("errors", "account_closed", "patronErrorMessage"),
          "errors.account_closed.patronErrorMessage", ("a value",), ("nothing",), id="error-body-missing-field"),
    # Paytronix.
    fails("paytronix", put("clients", "other", value={"client_id": PAYTRONIX_CLIENT_ID, "client_secret": "s"}),
          "clients.other.client_id", ("no other client",), (PAYTRONIX_CLIENT_ID,), id="duplicate-client-id"),
    fails("paytronix", put("accounts", "gold", "merchant_id", value=123456),
          "accounts.gold.merchant_id", ("777777",), ("123456",), id="merchant-not-in-merchants"),
    fails("paytronix", put("accounts", "gold", "cards", 1, "printed_card_number", value="6000301000418000"),
          "accounts.gold.cards[1].printed_card_number", ("no other card",), ("'6000301000418000'",),
          id="duplicate-card-number"),
    fails("paytronix", put("accounts", "active", "balance", "username", value="GuestREST"),
          "accounts.active.balance.username", ("derives",), ("one",), id="derived-field-in-balance"),
    fails("paytronix", put("accounts", "active", "balance", "pointBalances", 0, "balance", value=1),
          "accounts.active.balance.pointBalances[0].balance", ("a string",), ("1", "int"),
          id="point-balance-a-number"),
    fails("paytronix", put("accounts", "gold", "access_tokens", 0, "access_token", value=PAYTRONIX_TOKEN),
          "accounts.gold.access_tokens[0].access_token", ("no other account",), (PAYTRONIX_TOKEN,),
          id="duplicate-access-token"),
    fails("paytronix", put("accounts", "gold", "username", value="guestrest"),
          "accounts.gold.username", ("no other account of the merchant",), ("'guestrest'",),
          id="duplicate-username-other-case"),
    fails("paytronix", rename("accounts", "gold", to="card_not_found"),
          "accounts.card_not_found", ("failure case",), ("it",), id="account-named-like-a-failure-case"),
    fails("paytronix", put("unknown", "printed_card_numbers", 0, value="6000301000427019"),
          "unknown.printed_card_numbers[0]", ("no card has",), ("'6000301000427019'",), id="unknown-card-a-card-has"),
    fails("paytronix", drop("failures", "card_not_found", "errorMessage"),
          "failures.card_not_found.errorMessage", ("a value",), ("nothing",), id="failure-body-missing-field"),
    # Matches the timestamp pattern, but February has no 30th.
    fails("paytronix", put("accounts", "active", "access_tokens", 1, "expires_at", value="2024-02-30T00:00:00Z"),
          "accounts.active.access_tokens[1].expires_at", (), ("2024-02-30",), id="token-expiry-impossible-date"),
    fails("paytronix", put("accounts", "active", "balance", "fields", "enrollDate", value="2014-02-30"),
          "accounts.active.balance.fields.enrollDate", ("date",), ("2014-02-30",), id="enroll-date-impossible"),
    # Valkyrie.
    fails("valkyrie", put("sessions", "active", "player", value="dave"),
          "sessions.active.player", ("alice", "bob", "carol"), ("'dave'",), id="session-unknown-player"),
    fails("valkyrie", put("sessions", "active", "provider", value="netent"),
          "sessions.active.provider", ("evolution", "redtiger", "caleta"), ("'netent'",),
          id="session-unknown-provider"),
    fails("valkyrie", put("sessions", "expired", "token", value=VALKYRIE_TOKEN),
          "sessions.expired.token", ("no other session",), (VALKYRIE_TOKEN,), id="duplicate-session-token"),
    fails("valkyrie", put("players", "bob", "player_id", value=VALKYRIE_ALICE_ID),
          "players.bob.player_id", ("no other player",), (VALKYRIE_ALICE_ID,), id="duplicate-player-id"),
    fails("valkyrie", put("players", "alice", "balance", "cashAmount", value=1.1234567),
          "players.alice.balance.cashAmount", ("6 decimal places",), ("1.1234567",), id="amount-seven-decimals"),
    fails("valkyrie", put("players", "alice", "balance", "bonusAmount", value="ten"),
          "players.alice.balance.bonusAmount", ("a number",), ("'ten'",), id="amount-not-a-number"),
    # JSON has no NaN: a balance response carrying one is not JSON.
    fails("valkyrie", put("players", "alice", "balance", "cashAmount", value=float("nan")),
          "players.alice.balance.cashAmount", (), ("nan",), id="amount-nan"),
    fails("valkyrie", rename("sessions", "active", to="player_not_found"),
          "sessions.player_not_found", ("forced error",), ("it",), id="session-named-like-a-forced-error"),
    fails("valkyrie", put("unknown", "tokens", 0, value=VALKYRIE_TOKEN),
          "unknown.tokens[0]", ("no session has",), (VALKYRIE_TOKEN,), id="unknown-token-a-session-has"),
    fails("valkyrie", put("unknown", "player_ids", 1, value="5000001"),
          "unknown.player_ids[1]", ("no player has",), ("'5000001'",), id="unknown-player-id-a-player-has"),
    # Matches the timestamp pattern, but February has no 30th.
    fails("valkyrie", put("sessions", "expired", "expires_at", value="2024-02-30T00:00:00Z"),
          "sessions.expired.expires_at", (), ("2024-02-30",), id="session-expiry-impossible-date"),
    fails("vip-connect", put("accounts", "preferred", "patron", "idNumber", value="****0000"),
          "accounts.preferred.patron.idNumber", ("derives", "id_details"), ("one",), id="derived-field-in-patron"),
    fails("vip-connect", put("unknown", "id_details", 0, value={"IdType": "DL", "IdNumber": "NV000000000"}),
          "unknown.id_details[0].IdState", ("two letters",), ("nothing",), id="unknown-licence-without-state"),
    fails("vip-connect", put("accounts", "preferred", "patron", "limitAmount", value=float("inf")),
          "accounts.preferred.patron.limitAmount", ("finite",), ("inf",), id="amount-infinite"),
    pytest.param(duplicate_key, "valkyrie.yaml", f"line {DUPLICATE_LINE}, column 3", ("once",),
                 ("'alice' twice",), id="valkyrie-duplicate-yaml-key"),
]
# fmt: on


def test_the_bundled_fixtures_load() -> None:
    fixtures = load_fixtures(FIXTURES)
    assert set(fixtures["vip-connect"].accounts) == set(fixture("vip-connect")["accounts"])
    operators = {operator.name for operator in fixtures["vip-connect"].operators.values()}
    assert operators == set(fixture("vip-connect")["operators"])
    assert set(fixtures["paytronix"].accounts) == set(fixture("paytronix")["accounts"])
    assert set(fixtures["valkyrie"].sessions_by_name) == set(fixture("valkyrie")["sessions"])
    assert {player.name for player in fixtures["valkyrie"].players.values()} == set(fixture("valkyrie")["players"])


def test_load_fixtures_defaults_to_the_bundled_fixtures() -> None:
    assert load_fixtures() == load_fixtures(FIXTURES)


@pytest.mark.parametrize("api", APIS)
def test_an_unchanged_copy_loads(tmp_path: Path, api: str) -> None:
    """The baseline of the broken cases: a copy whose file of ``api`` went through safe_load and safe_dump."""
    assert load_fixtures(broken(tmp_path, api, unchanged)) == load_fixtures(FIXTURES)


@pytest.mark.parametrize(("build", "file", "key", "expected", "found"), CASES)
def test_a_broken_fixture_is_refused(
    tmp_path: Path, build: Build, file: str | None, key: str, expected: tuple[str, ...], found: tuple[str, ...]
) -> None:
    with pytest.raises(FixtureError) as caught:
        load_fixtures(build(tmp_path))
    error = caught.value
    if file is None:
        assert error.file is None
    else:
        assert error.file is not None
        assert Path(error.file) == tmp_path / file
    assert error.key == key
    assert error.expected
    assert all(word in error.expected for word in expected), error.expected
    assert error.found
    assert all(word in error.found for word in found), error.found
    where = f"{error.file}: " if error.file else ""
    assert str(error) == f"{where}{key}: expected {error.expected}, got {error.found}"


def test_a_balance_may_carry_extra_keys(tmp_path: Path) -> None:
    """The spec allows fields beyond the three amounts; only the amounts are held to six decimals."""
    directory = broken(tmp_path, "valkyrie", put("players", "alice", "balance", "currency", value="EUR"))
    sandbox = load_fixtures(directory)["valkyrie"]
    assert sandbox.players[VALKYRIE_ALICE_ID].balance == {
        **fixture("valkyrie")["players"]["alice"]["balance"],
        "currency": "EUR",
    }


def token_too_short(tmp_path: Path) -> Path:
    return broken(tmp_path, "valkyrie", put("sessions", "active", "token", value="0123456789ab"))


def impossible_expiry(tmp_path: Path) -> Path:
    return broken(tmp_path, "valkyrie", put("sessions", "expired", "expires_at", value="2024-02-30T00:00:00Z"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("build", "words"),
    [
        pytest.param(
            token_too_short,
            ["valkyrie.yaml", "sessions.active.token", "32-40 characters", "12"],
            id="valkyrie-token-too-short",
        ),
        pytest.param(
            not_a_directory, ["--fixtures", "vip-connect.yaml", "not a directory"], id="fixtures-not-a-directory"
        ),
        pytest.param(
            impossible_expiry,
            ["valkyrie.yaml", "sessions.expired.expires_at", "2024-02-30"],
            id="valkyrie-session-expiry-impossible-date",
        ),
    ],
)
def test_serve_refuses_broken_fixtures_without_listening(tmp_path: Path, build: Build, words: list[str]) -> None:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--fixtures", str(build(tmp_path))]
    result = subprocess.run(command, timeout=30, capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("mockserver: cannot start: "), result.stderr
    for word in [*words, "expected", "got"]:
        assert word in result.stderr, result.stderr
    assert "serving" not in result.stderr
    assert "Traceback" not in result.stderr
