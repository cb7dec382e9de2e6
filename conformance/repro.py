"""A request as a bash script a reader can paste: curl with each secret as a shell variable, minted JWTs with how
to mint them.

``-H "Authorization: Bearer ${ACME_API_TOKEN}"``, ``-u "client:${ACME_CLIENT_SECRET}"``, a JSON body as
``'{"registrationCode": "'"${ACME_ACTIVE_REGISTRATION_CODE}"'"}'``, a near miss as an expansion of its secret's
variable (``"${ACME_CLIENT_SECRET%?}"``), a GET query carrying a secret as ``-G --data-urlencode``. Values stay in the
variables; the report says which variables to set.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from conformance.jwt_recipe import recipe
from conformance.redaction import JWT, JWT_VARIABLE, Redactor, Secret, Variable
from conformance.results import Finding

# Characters a double-quoted bash word would interpret.
_SPECIAL_IN_DOUBLE_QUOTES = re.compile(r'["\\$`!]')
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")

Piece = str | Secret


def script(finding: Finding, redactor: Redactor) -> str:
    """The request of ``finding`` as a script, or "" when it has none."""
    if finding.exchange is not None:
        return render(finding.exchange.argv(), redactor)
    if not finding.curl:
        return ""
    argv = split_words(finding.curl)
    # A command this parser cannot read is shown as text, every secret in it still replaced.
    return render(argv, redactor) if argv else redactor.text(finding.curl)


def render(argv: list[str], redactor: Redactor) -> str:
    """``argv`` (a curl command) as bash lines: the mint commands of its JWTs, then curl itself."""
    tokens: dict[str, str] = {}  # token -> its variable
    lines: list[str] = []
    words: list[list[Piece]] = []
    has_body = any(arg in ("-d", "--data", "--data-binary", "--data-raw") for arg in argv)
    index = 0
    while index < len(argv):
        arg = argv[index]
        following = argv[index + 1] if index + 1 < len(argv) else None
        if arg in ("-H", "--header") and following is not None:
            basic = _basic_credentials(following)
            if basic is not None:
                words += [["-u"], _pieces(basic, redactor, tokens, lines)]
                index += 2
                continue
        if arg.startswith(("http://", "https://")) and not has_body:
            words += _query_as_data(arg, redactor, tokens, lines)
        else:
            words.append(_pieces(arg, redactor, tokens, lines))
        index += 1
    return "\n".join([*lines, " ".join(_word(pieces) for pieces in words)])


def _pieces(text: str, redactor: Redactor, tokens: dict[str, str], lines: list[str]) -> list[Piece]:
    """``text`` split into literal text and secrets; every JWT becomes a variable minted by a line of ``lines``."""
    pieces: list[Piece] = []
    start = 0
    for match in JWT.finditer(text):
        pieces += redactor.pieces(text[start : match.start()])
        token = match.group()
        if token not in tokens:
            tokens[token] = JWT_VARIABLE + (f"_{len(tokens) + 1}" if tokens else "")
            made = recipe(token, tokens[token], redactor.keys, redactor.key_variables)
            lines += made.lines(tokens[token]) if made else [f"# {tokens[token]}: a token the suite cannot describe"]
        variable = tokens[token]
        pieces.append(Secret(token, Variable(variable, "a JWT minted above"), f"${{{variable}}}", f"${variable}"))
        start = match.end()
    pieces += redactor.pieces(text[start:])
    return pieces


def _basic_credentials(header: str) -> str | None:
    """``id:secret`` of an ``Authorization: Basic`` header, or None (then the header is rendered as it is)."""
    name, _, value = header.partition(":")
    scheme, _, encoded = value.strip().partition(" ")
    if name.strip().lower() != "authorization" or scheme.lower() != "basic":
        return None
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return pair if ":" in pair else None


def _query_as_data(url: str, redactor: Redactor, tokens: dict[str, str], lines: list[str]) -> list[list[Piece]]:
    """The URL, with a query that carries a secret moved to ``-G --data-urlencode`` (curl encodes the values)."""
    parts = urlsplit(url)
    fields = parse_qsl(parts.query, keep_blank_values=True)
    pieces = [_pieces(f"{name}={value}", redactor, tokens, lines) for name, value in fields]
    if not any(isinstance(piece, Secret) for field in pieces for piece in field):
        return [_pieces(url, redactor, tokens, lines)]
    words: list[list[Piece]] = [["-G"]]
    for field in pieces:
        words += [["--data-urlencode"], field]
    words.append(_pieces(urlunsplit(parts._replace(query="")), redactor, tokens, lines))
    return words


def _word(pieces: Iterable[Piece]) -> str:
    """One shell word: literal pieces quoted, secrets as expansions inside double quotes."""
    pieces = [piece for piece in pieces if piece != ""]
    if all(isinstance(piece, str) for piece in pieces):
        text = "".join(piece for piece in pieces if isinstance(piece, str))
        return text if _PLAIN_WORD.fullmatch(text) else shlex.quote(text)
    literals = [piece for piece in pieces if isinstance(piece, str)]
    if not any(_SPECIAL_IN_DOUBLE_QUOTES.search(literal) for literal in literals):
        return '"' + "".join(piece if isinstance(piece, str) else _expansion(piece) for piece in pieces) + '"'
    return "".join(shlex.quote(piece) if isinstance(piece, str) else f'"{_expansion(piece)}"' for piece in pieces)


def _expansion(secret: Secret) -> str:
    # A form with no expansion of its own (a decoded key) is named; the request then needs that value set by hand.
    return secret.expression or f"${{{secret.variable.name}}}"


def split_words(command: str) -> list[str] | None:
    """The words of a bash command as schemathesis prints its curl samples: plain words, '...', "..." and $'...'
    (ANSI-C escapes). None when the text is not such a command."""
    words: list[str] = []
    word: list[str] | None = None
    index = 0
    while index < len(command):
        char = command[index]
        if char in " \t\n":
            if word is not None:
                words.append("".join(word))
                word = None
            index += 1
            continue
        word = word if word is not None else []
        if command.startswith("$'", index):
            end = _closing_quote(command, index + 2)
            if end < 0:
                return None
            word.append(_ansi_c(command[index + 2 : end]))
            index = end + 1
        elif char == "'":
            end = command.find("'", index + 1)
            if end < 0:
                return None
            word.append(command[index + 1 : end])
            index = end + 1
        elif char == '"':
            end = _closing_quote(command, index + 1, quote='"')
            if end < 0:
                return None
            word.append(re.sub(r'\\([\\"$`])', r"\1", command[index + 1 : end]))
            index = end + 1
        elif char == "\\" and index + 1 < len(command):
            word.append(command[index + 1])
            index += 2
        else:
            word.append(char)
            index += 1
    if word is not None:
        words.append("".join(word))
    return words if words and words[0] == "curl" else None


def _closing_quote(text: str, start: int, quote: str = "'") -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return -1


_ANSI_C = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)", re.DOTALL)
_ANSI_C_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"}


def _ansi_c(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "xuU" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _ANSI_C_SIMPLE.get(code, code)

    return _ANSI_C.sub(replace, body)
