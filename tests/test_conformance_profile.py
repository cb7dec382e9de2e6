"""Profiles: every kind of mistake names the file, the key and the problem; ``conformance run`` turns it into exit 2.

Each error case starts from the shipped profile of the mock (``conformance/profiles/mock.yaml``) and changes one
thing, so a failing case points at that one change. No test here reaches the network.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import MOCK_PROFILE

from conformance import REQUIREMENTS, Profile, ProfileError, load_profile
from conformance.apis.paytronix.section import PaytronixSection
from conformance.apis.valkyrie.section import ValkyrieSection
from conformance.apis.vip_connect.section import VipSection
from conformance.cli import build_parser


def vip_section(profile: Profile) -> VipSection:
    section = profile.section("vip-connect")
    assert isinstance(section, VipSection)
    return section


def paytronix_section(profile: Profile) -> PaytronixSection:
    section = profile.section("paytronix")
    assert isinstance(section, PaytronixSection)
    return section


def valkyrie_section(profile: Profile) -> ValkyrieSection:
    section = profile.section("valkyrie")
    assert isinstance(section, ValkyrieSection)
    return section


MOCK_TEXT = MOCK_PROFILE.read_text(encoding="utf-8")

# Lines of the mock's profile the cases change.
AUDIENCE = "  audience: vip-api"
SECRET = "nXkCKjsV0U1G56poFTdi43iSfwjzVifcVmN9Artmbrs99MsxuBwPyGPNujE5uO03jUKdtLKuEvUgpu2IzTWvog=="
# The operator's two keys, as a list.
MOCK_KEYS = MOCK_TEXT[MOCK_TEXT.index("  secret_base64:\n") : MOCK_TEXT.index("  audience:")]
PTX_URL = "http://127.0.0.1:8000/paytronix"
PTX_SECRET = "xN6FMEixD5hORTdruF0Cm-myeLJePRAq"
PREFERRED = "preferred: {VipAccountNumber: '7210988860'}"
ACTIVE_TOKEN = "762444345c88c70acc312795a840dd98fd55fc67"
EXPIRED_PLAYER = (
    "    expired: {playerId: 73619e57b3bc4b4e9014132be3bd12a9, token: 83f23b224390f94693a824ff8357a53f64c7268e}\n"
)
LOOKUP_FORMS = (
    "a lookup body: {VipAccountNumber} or {IdType, IdNumber, IdState} (IdState unless IdType is SS), "
    "optionally with ProductType"
)

# Every variable a test below reads; removed before each test so the developer's own environment cannot leak in.
VARIABLES = ("PTX_SECRET", "PTX_HOST", "PTX_PORT", "PTX_METHOD", "VIP_SECRET")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the variables the tests use; monkeypatch restores os.environ exactly after each test."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def edited(old: str, new: str, *, encoding: str = "utf-8") -> Callable[[Path], Path]:
    """A builder of the mock's profile with ``old`` (which must occur exactly once) replaced by ``new``."""

    def build(directory: Path) -> Path:
        assert MOCK_TEXT.count(old) == 1, f"{old!r} occurs {MOCK_TEXT.count(old)} times in {MOCK_PROFILE}"
        path = directory / "profile.yaml"
        path.write_bytes(MOCK_TEXT.replace(old, new).encode(encoding))
        return path

    return build


def replaced_by(text: str) -> Callable[[Path], Path]:
    """A builder of a profile whose whole content is ``text``."""

    def build(directory: Path) -> Path:
        path = directory / "profile.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return build


def missing(directory: Path) -> Path:
    return directory / "no-such-profile.yaml"


def only_section(api: str) -> str:
    """The mock's profile reduced to the section of one API (the sections are separated by blank lines)."""
    start = MOCK_TEXT.index(f"\n{api}:\n") + 1
    end = MOCK_TEXT.find("\n\n", start)
    return MOCK_TEXT[start:] if end == -1 else MOCK_TEXT[start : end + 1]


def line_and_column(line: str) -> str:
    """Where PyYAML reports a stray ': ' appended to ``line`` of the mock's profile: the colon after its end."""
    return f"line {MOCK_TEXT.splitlines().index(line) + 1}, column {len(line) + 1}"


@dataclass(frozen=True)
class Case:
    """One kind of profile problem: how to build the file, and the key and problem the error must name."""

    id: str
    build: Callable[[Path], Path]
    key: str
    problem: str
    environ: Mapping[str, str] = field(default_factory=dict)


CASES = [
    Case("file missing", missing, "(file)", "cannot be read: No such file or directory"),
    # Latin-1 bytes for a non-ASCII letter are not UTF-8.
    Case("not UTF-8", edited("provider: evolution", "provider: évolution", encoding="latin-1"), "(file)",
         "expected UTF-8 text"),
    Case("YAML syntax error", edited(f"{AUDIENCE}\n", f"{AUDIENCE}: extra\n"), line_and_column(AUDIENCE),
         "expected valid YAML: mapping values are not allowed here"),
    Case("top level a list", replaced_by("- vip-connect\n- paytronix\n"), "(top level)",
         "expected a mapping with vip-connect, paytronix and/or valkyrie"),
    Case("top level empty", replaced_by("# nothing here\n"), "(top level)",
         "expected a mapping with vip-connect, paytronix and/or valkyrie"),
    Case("unknown API name", edited("\nvalkyrie:\n", "\nvalkyrie-pam:\n"), "valkyrie-pam",
         "expected one of the keys paytronix, valkyrie, vip-connect, got an unexpected key"),
    Case("unknown key in a section", edited("  merchant_id: 777777\n", "  merchant_id: 777777\n  timeout: 5\n"),
         "paytronix.timeout", "expected one of the keys base_url, cards, client_id, client_secret, merchant_id, "
         "methods, release, got an unexpected key"),
    Case("missing required key", edited(EXPIRED_PLAYER, ""), "valkyrie.players.expired",
         "expected a value, got nothing"),
    Case("section not a mapping", replaced_by("valkyrie: https://pam.example.com\n"), "valkyrie",
         "expected a value of type object, got 'https://pam.example.com'"),
    Case("merchant_id not an integer", edited("merchant_id: 777777", "merchant_id: abc"), "paytronix.merchant_id",
         "expected a value of type integer, got 'abc'"),
    # Quoted: YAML 1.1 would read a bare yes as true.
    Case("toggle not a boolean", edited("bank_accounts_toggle: false", 'bank_accounts_toggle: "yes"'),
         "vip-connect.bank_accounts_toggle", "expected a value of type boolean, got 'yes'"),
    Case("release not quoted", edited("release: '25.33'", "release: 25.33"), "paytronix.release",
         "expected a value of type string, got 25.33"),
    Case("base_url without scheme", edited(PTX_URL, "127.0.0.1:8000/paytronix"), "paytronix.base_url",
         "expected an http:// or https:// URL without query or fragment, got '127.0.0.1:8000/paytronix'"),
    Case("base_url with a query", edited(PTX_URL, f"{PTX_URL}?merchant=1"), "paytronix.base_url",
         f"expected an http:// or https:// URL without query or fragment, got '{PTX_URL}?merchant=1'"),
    Case("lookup with both forms",
         edited(PREFERRED, "preferred: {VipAccountNumber: '7210988860', IdType: DL, IdNumber: '123456789', "
                "IdState: GA}"), "vip-connect.accounts.preferred",
         f"expected {LOOKUP_FORMS}, got {{'VipAccountNumber': '7210988860', 'IdType': 'DL', 'IdNumber': '123456789', "
         "'IdState': 'GA'}"),
    Case("lookup with neither form", edited(PREFERRED, "preferred: {ProductType: preferred}"),
         "vip-connect.accounts.preferred", f"expected {LOOKUP_FORMS}, got {{'ProductType': 'preferred'}}"),
    Case("VipAccountNumber of 9 digits", edited(PREFERRED, "preferred: {VipAccountNumber: '721098886'}"),
         "vip-connect.accounts.preferred.VipAccountNumber", "expected a string of 10 digits, got '721098886'"),
    # A credential is never echoed, even a malformed one: only its length is.
    Case("session token of 31 characters", edited(ACTIVE_TOKEN, ACTIVE_TOKEN[:31]), "valkyrie.players.active.token",
         "expected a session token of 32-40 characters, got a value of 31 characters"),
    Case("unknown method", edited("methods: [POST, GET]", "methods: [POST, PUT]"), "paytronix.methods[1]",
         "expected one of 'POST', 'GET', got 'PUT'"),
    Case("secret not base64", edited(SECRET, "not-base64!"), "vip-connect.secret_base64[0]",
         "expected the operator's base64-encoded HS256 secret, got a value of 11 characters"),
    # Matches the schema's character pattern, but five characters cannot be whole base64 quanta.
    Case("secret that does not decode", edited(SECRET, "abcde"), "vip-connect.secret_base64[0]",
         "expected valid base64, got a value that does not decode"),
    Case("variable not set", edited(PTX_SECRET, "${PTX_SECRET}"), "paytronix.client_secret",
         "environment variable PTX_SECRET is not set"),
    Case("variable in a list item not set", edited("methods: [POST, GET]", "methods: [POST, '${PTX_METHOD}']"),
         "paytronix.methods[1]", "environment variable PTX_METHOD is not set"),
    Case("one of two variables not set", edited(PTX_URL, "http://${PTX_HOST}:${PTX_PORT}/paytronix"),
         "paytronix.base_url", "environment variable PTX_PORT is not set", {"PTX_HOST": "127.0.0.1"}),
    # Substitution comes first, so a substituted value is validated like a literal one.
    Case("variable set to a bad value", edited(SECRET, "${VIP_SECRET}"), "vip-connect.secret_base64[0]",
         "expected valid base64, got a value that does not decode", {"VIP_SECRET": "abcde"}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_kind_of_problem_names_the_file_the_key_and_the_problem(case: Case, tmp_path: Path) -> None:
    path = case.build(tmp_path)
    with pytest.raises(ProfileError) as raised:
        load_profile(path, environ=case.environ)
    error = raised.value
    assert (error.file, error.key, error.problem) == (str(path), case.key, case.problem)
    assert str(error) == f"{path}: {case.key}: {case.problem}"


def test_the_shipped_profile_of_the_mock_loads() -> None:
    profile = load_profile(MOCK_PROFILE, environ={})
    assert profile.apis == ["vip-connect", "paytronix", "valkyrie"]
    assert profile.path == str(MOCK_PROFILE)
    assert profile.sha256 == hashlib.sha256(MOCK_PROFILE.read_bytes()).hexdigest()
    assert vip_section(profile).secret_base64 == SECRET
    assert paytronix_section(profile).merchant_id == 777777
    assert valkyrie_section(profile).players["active"]["token"] == ACTIVE_TOKEN


def test_defaults_fill_audience_release_and_methods(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    lines = [line for line in MOCK_TEXT.splitlines(keepends=True) if not line.startswith(AUDIENCE)]
    lines = [line for line in lines if not line.startswith(("  release:", "  methods:"))]
    path.write_text("".join(lines), encoding="utf-8")
    profile = load_profile(path, environ={})
    assert vip_section(profile).audience == "vip-api"
    paytronix = paytronix_section(profile)
    assert (paytronix.release, paytronix.methods) == ("25.33", ("POST", "GET"))


def test_a_trailing_slash_of_base_url_is_dropped(tmp_path: Path) -> None:
    # Paths are appended to base_url; a trailing slash would double the slash in every request.
    profile = load_profile(edited(PTX_URL, f"{PTX_URL}/")(tmp_path), environ={})
    assert paytronix_section(profile).base_url == PTX_URL


@pytest.mark.parametrize("api", ["vip-connect", "paytronix", "valkyrie"])
def test_a_profile_with_one_api_is_valid(api: str, tmp_path: Path) -> None:
    profile = load_profile(replaced_by(only_section(api))(tmp_path), environ={})
    assert profile.apis == [api]
    assert [name for name in ("vip-connect", "paytronix", "valkyrie") if profile.section(name) is None] == [
        name for name in ("vip-connect", "paytronix", "valkyrie") if name != api
    ]


def test_the_operator_key_may_be_one_string_or_a_list_of_one_or_two(tmp_path: Path) -> None:
    keys = vip_section(load_profile(MOCK_PROFILE, environ={}))
    assert len(keys.secrets_base64) == 2 and keys.secret_base64 == SECRET
    one = load_profile(replaced_by(MOCK_TEXT.replace(MOCK_KEYS, f"  secret_base64: {SECRET}\n"))(tmp_path), environ={})
    assert vip_section(one).secrets_base64 == (SECRET,)
    three = MOCK_TEXT.replace(MOCK_KEYS, MOCK_KEYS + f"    - {SECRET}\n")
    with pytest.raises(ProfileError) as raised:
        load_profile(replaced_by(three)(tmp_path), environ={})
    assert raised.value.key == "vip-connect.secret_base64"
    assert "one or two keys" in raised.value.problem and SECRET not in raised.value.problem


def test_another_existing_player_is_optional(tmp_path: Path) -> None:
    profile = load_profile(MOCK_PROFILE, environ={})
    assert valkyrie_section(profile).players["other"] == {"playerId": "5000001"}
    without = load_profile(
        replaced_by(MOCK_TEXT.replace("    other: {playerId: '5000001'}\n", ""))(tmp_path), environ={}
    )
    assert "other" not in valkyrie_section(without).players


def test_a_value_taken_whole_from_a_variable_keeps_its_name(tmp_path: Path) -> None:
    # Reports name the secret by the variable it came from, so a reader sets the variable they already use.
    path = edited(PTX_SECRET, "${PTX_SECRET}")(tmp_path)
    profile = load_profile(path, environ={"PTX_SECRET": "from-the-mapping"})
    assert profile.variables == {"paytronix.client_secret": "PTX_SECRET"}


def test_a_set_variable_is_substituted(tmp_path: Path) -> None:
    path = edited(PTX_SECRET, "${PTX_SECRET}")(tmp_path)
    profile = load_profile(path, environ={"PTX_SECRET": "from-the-mapping"})
    assert paytronix_section(profile).client_secret == "from-the-mapping"


def test_without_environ_the_process_environment_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTX_SECRET", "from-os-environ")
    profile = load_profile(edited(PTX_SECRET, "${PTX_SECRET}")(tmp_path))
    assert paytronix_section(profile).client_secret == "from-os-environ"


def test_several_variables_in_one_value_are_all_substituted(tmp_path: Path) -> None:
    path = edited(PTX_URL, "http://${PTX_HOST}:${PTX_PORT}/paytronix")(tmp_path)
    profile = load_profile(path, environ={"PTX_HOST": "10.0.0.7", "PTX_PORT": "8443"})
    assert paytronix_section(profile).base_url == "http://10.0.0.7:8443/paytronix"


def test_a_substituted_value_is_not_substituted_again(tmp_path: Path) -> None:
    # Secrets may contain '${'; a value from the environment is taken literally.
    path = edited(PTX_SECRET, "${PTX_SECRET}")(tmp_path)
    profile = load_profile(path, environ={"PTX_SECRET": "pa${PTX_HOST}ss"})
    assert paytronix_section(profile).client_secret == "pa${PTX_HOST}ss"


def test_the_digest_is_of_the_file_not_of_the_substituted_secrets(tmp_path: Path) -> None:
    # The certificate names the profile by its digest; it must not change with (or reveal) the secrets.
    path = edited(PTX_SECRET, "${PTX_SECRET}")(tmp_path)
    first = load_profile(path, environ={"PTX_SECRET": "one"})
    second = load_profile(path, environ={"PTX_SECRET": "two"})
    assert first.sha256 == second.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_empty_mapping_says_which_sections_are_expected(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as raised:
        load_profile(replaced_by("{}\n")(tmp_path), environ={})
    # Today: "expected One system under test: for each API it implements, ... Documented in conformance/README.md.,
    # got {}", a sentence of the schema's title text rather than what is missing.
    assert raised.value.key == "(top level)"
    assert "vip-connect" in raised.value.problem


def test_an_empty_variable_says_a_non_empty_value_is_expected(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as raised:
        load_profile(edited(PTX_SECRET, "${PTX_SECRET}")(tmp_path), environ={"PTX_SECRET": ""})
    # Today: "expected '' should be non-empty, got ''".
    assert raised.value.key == "paytronix.client_secret"
    assert not raised.value.problem.startswith("expected ''")


def test_lookup_by_id_details_without_a_state_is_refused(tmp_path: Path) -> None:
    # specs/DECISIONS.md: IdState is required unless IdType is SS. A profile without it makes a correct system answer
    # 400, and VIP-200-BY-ID then fails the system for the profile's mistake.
    by_id = "by_id: {IdType: SS, IdNumber: '543083512'}"
    with pytest.raises(ProfileError) as raised:
        load_profile(edited(by_id, "by_id: {IdType: DL, IdNumber: '543083512'}")(tmp_path), environ={})
    assert raised.value.key.startswith("vip-connect.accounts.by_id")


# The command line, as a user runs it.


def conformance_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.id in ("file missing", "merchant_id not an integer", "variable not set")],
    ids=lambda case: case.id,
)
def test_run_with_a_bad_profile_has_no_verdict(case: Case, tmp_path: Path) -> None:
    path = case.build(tmp_path)
    result = conformance_cli("run", "--profile", path)
    assert result.returncode == 2
    assert result.stderr == f"conformance: no verdict: {path}: {case.key}: {case.problem}\n"
    assert result.stdout == ""


@pytest.mark.slow
def test_run_of_an_api_the_profile_lacks_has_no_verdict(tmp_path: Path) -> None:
    path = replaced_by(only_section("valkyrie"))(tmp_path)
    result = conformance_cli("run", "--profile", path, "--api", "paytronix")
    assert result.returncode == 2
    assert result.stderr == (
        f"conformance: no verdict: {path}: paytronix: expected a section for this API (asked for with --api)\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--profile", MOCK_PROFILE, "--timeout", "-1"],
            "argument --timeout: expected a number above 0 and at most 3600, got -1",
        ),
        (
            ["--profile", MOCK_PROFILE, "--max-examples", "0"],
            "argument --max-examples: expected a number above 0 and at most 10000, got 0",
        ),
        (
            ["--profile", MOCK_PROFILE, "--max-examples", "many"],
            "argument --max-examples: expected a number, got 'many'",
        ),
        ([], "the following arguments are required: --profile"),
        (["--profile", MOCK_PROFILE, "--api", "pam"], "argument --api: invalid choice: 'pam'"),
    ],
    ids=["negative timeout", "zero examples", "examples not a number", "no profile", "unknown api"],
)
def test_usage_errors_exit_2_before_any_request(arguments: list[str | Path], message: str) -> None:
    result = conformance_cli("run", *arguments)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: conformance run")
    assert f"conformance run: error: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_timeout_that_is_not_a_finite_number_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Today `conformance run --profile P --timeout nan` runs, raises ValueError "Invalid value NaN (not a
    # number)" (inf: OverflowError "timestamp out of range for platform time_t") at the first request, prints a
    # traceback and exits 1, the code for "a requirement failed".
    with pytest.raises(SystemExit) as raised:
        build_parser().parse_args(["run", "--profile", str(MOCK_PROFILE), "--timeout", value])
    assert raised.value.code == 2
    assert "argument --timeout" in capsys.readouterr().err


@pytest.mark.slow
def test_requirements_lists_every_requirement_with_its_level_and_source() -> None:
    result = conformance_cli("requirements")
    assert result.returncode == 0
    assert result.stderr == ""
    # A block per requirement: an unindented line "<id> <level> <title>", then indented lines (source, checks).
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in result.stdout.splitlines():
        if line and not line[0].isspace():
            current = blocks.setdefault(line.split()[0], [])
        current.append(line.strip())
    assert list(blocks) == [requirement.id for requirement in REQUIREMENTS]
    for requirement in REQUIREMENTS:
        heading, *details = blocks[requirement.id]
        assert re.fullmatch(rf"{re.escape(requirement.id)} +{requirement.level.value} +.+", heading), heading
        assert f"source: {requirement.source}" in details, f"{requirement.id}: no source line in {details}"
