"""A compressed answer is decoded no further than the body cap, whatever its Content-Encoding, and memory stays
bounded while decoding happens: in the suite's own client and in the schemathesis child alike.

A few kilobytes of ``Content-Encoding: gzip, gzip`` decode to a gigabyte of zeros. Each test serves such a bomb
from a raw-socket server on 127.0.0.1 and looks at what the suite kept and at the memory it took: Python's
allocations (tracemalloc) in process, the processes' peak resident memory (/proc) for a CLI run.
"""

from __future__ import annotations

import functools
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import urllib3
from hostile_servers import Handler, read_request, run_cli, send, serving
from support import mock_profile_at

from conformance.bounded_urllib3 import bounded
from conformance.decoding import ACCEPT_ENCODING
from conformance.generated.child import CHILD_WIND_DOWN_SECONDS
from conformance.transport import MAX_BODY_BYTES, Client, Exchange, TransportError

GZIP, ZLIB, RAW_DEFLATE = zlib.MAX_WBITS | 16, zlib.MAX_WBITS, -zlib.MAX_WBITS
MIB = 1024 * 1024
# In process: 64 MiB of zeros, from under 100 KB on the wire. The suite may hold the body cap and a few decoding
# steps at a time; one network chunk decoded whole is 64 MiB.
IN_PROCESS_BOMB_BYTES = 64 * MIB
IN_PROCESS_PEAK_BYTES = 16 * MIB
# For a CLI run: 512 MiB of zeros. A process that holds the decoded body even once goes far past the cap.
CLI_BOMB_BYTES = 512 * MIB
CLI_PEAK_BYTES = 256 * MIB

# Content-Encoding header: the compressions applied, first to last (what the header lists, in its order).
BOMBS: dict[str, tuple[str, list[int]]] = {
    "gzip": ("gzip", [GZIP]),
    "x-gzip": ("x-gzip", [GZIP]),
    "deflate": ("deflate", [ZLIB]),
    "deflate without its zlib header": ("deflate", [RAW_DEFLATE]),
    "gzip, gzip": ("gzip, gzip", [GZIP, GZIP]),
    "deflate, gzip": ("deflate, gzip", [ZLIB, GZIP]),
    "identity, gzip": ("identity, gzip", [GZIP]),
}


@functools.cache
def compressed_zeros(decoded_bytes: int, layers: tuple[int, ...]) -> bytes:
    """``decoded_bytes`` zeros compressed with each zlib ``wbits`` of ``layers`` in turn."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, layers[0])
    zeros = bytes(MIB)
    data = b"".join(compressor.compress(zeros) for _ in range(decoded_bytes // MIB)) + compressor.flush()
    for wbits in layers[1:]:
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        data = compressor.compress(data) + compressor.flush()
    return data


def answering(content_encoding: str, body: bytes, heads: list[bytes] | None = None) -> Handler:
    """A server that answers every request with ``body`` as ``Content-Encoding``; it keeps each request's head."""

    def handler(connection: socket.socket, stopping: threading.Event) -> None:
        head = read_request(connection, stopping)
        if not head:
            return
        if heads is not None:
            heads.append(head)
        answer = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: {content_encoding}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        send(connection, answer.encode() + body, stopping)

    return handler


def _peak_allocated(call: Callable[[], object]) -> tuple[object, int]:
    """What ``call`` returned or raised, and the most memory Python had allocated meanwhile."""
    tracemalloc.start()
    try:
        try:
            outcome: object = call()
        except Exception as raised:  # the test looks at it
            outcome = raised
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- The suite's own client --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("bomb", list(BOMBS))
def test_the_client_decodes_a_bomb_no_further_than_the_body_cap(bomb: str) -> None:
    content_encoding, layers = BOMBS[bomb]
    heads: list[bytes] = []
    with serving(answering(content_encoding, compressed_zeros(IN_PROCESS_BOMB_BYTES, tuple(layers)), heads)) as url:
        client = Client(30.0)
        try:
            exchange, peak = _peak_allocated(lambda: client.send("GET", url))
        finally:
            client.close()
    assert isinstance(exchange, Exchange), exchange
    assert exchange.truncated and exchange.body == bytes(MAX_BODY_BYTES), exchange.received()
    assert peak < IN_PROCESS_PEAK_BYTES, f"{peak >> 20} MiB allocated while decoding"
    # It asks only for what it decodes in bounded steps.
    assert f"accept-encoding: {ACCEPT_ENCODING}".encode() in heads[0].lower(), heads


@pytest.mark.parametrize("size", [100, 3 * MIB], ids=["small", "over the cap"])
def test_a_body_under_a_coding_the_suite_does_not_decode_is_kept_as_it_came(size: int) -> None:
    # Outermost is br, which the suite does not decode: the gzip inside it cannot be reached either.
    body = (bytes(range(256)) * (size // 256 + 1))[:size]
    with serving(answering("gzip, br", body)) as url:
        client = Client(30.0)
        try:
            exchange = client.send("GET", url)
        finally:
            client.close()
    assert exchange.body == body[:MAX_BODY_BYTES]
    assert exchange.truncated == (size > MAX_BODY_BYTES)


BROKEN = {
    "not gzip": ("gzip", b"this is not gzip at all", "not valid gzip"),
    "six codings": ("gzip, " * 5 + "gzip", compressed_zeros(MIB, (GZIP,) * 6), "at most 5 are decoded"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_body_that_does_not_decode_has_no_verdict(case: str) -> None:
    content_encoding, body, message = BROKEN[case]
    with serving(answering(content_encoding, body)) as url:
        client = Client(30.0)
        try:
            with pytest.raises(TransportError, match=message):
                client.send("GET", url)
        finally:
            client.close()


# --- The generated requests' transport (the schemathesis child's) -------------------------------------------------


# urllib3 itself refuses "identity" in a list of codings (a decoding error, within bounds): the rest apply here.
@pytest.mark.parametrize("bomb", [bomb for bomb in BOMBS if "identity" not in bomb])
def test_the_generated_requests_transport_stops_a_bomb_at_the_body_cap(bomb: str) -> None:
    content_encoding, layers = BOMBS[bomb]
    system = answering(content_encoding, compressed_zeros(IN_PROCESS_BOMB_BYTES, tuple(layers)))
    with serving(system) as url, bounded(30.0, float("inf")):
        raised, peak = _peak_allocated(lambda: requests.get(url, timeout=30))
    assert isinstance(raised, requests.exceptions.ChunkedEncodingError), raised
    assert f"larger than {MAX_BODY_BYTES} bytes" in str(raised)
    assert peak < IN_PROCESS_PEAK_BYTES, f"{peak >> 20} MiB allocated while decoding"


def test_urllib3_reading_a_whole_body_in_one_call_is_capped_too() -> None:
    # requests reads in steps; a read of everything at once (urllib3's drain, .data) must stop at the cap as well.
    system = answering("gzip, gzip", compressed_zeros(IN_PROCESS_BOMB_BYTES, (GZIP, GZIP)))
    with serving(system) as url, bounded(30.0, float("inf")), urllib3.PoolManager() as pool:
        response = pool.request("GET", url, preload_content=False)
        raised, peak = _peak_allocated(response.read)
    assert isinstance(raised, urllib3.exceptions.ProtocolError), raised
    assert peak < IN_PROCESS_PEAK_BYTES, f"{peak >> 20} MiB allocated while decoding"


# --- A whole run -------------------------------------------------------------------------------------------------


@pytest.fixture(params=["gzip, gzip", "deflate"])
def bomb_system(request: pytest.FixtureRequest) -> Iterator[str]:
    content_encoding, layers = BOMBS[request.param]
    with serving(answering(content_encoding, compressed_zeros(CLI_BOMB_BYTES, tuple(layers)))) as url:
        yield url


@pytest.mark.slow
def test_a_run_against_a_bomb_is_judged_within_its_memory(bomb_system: str, tmp_path: Path) -> None:
    budget = 60
    run = run_cli(
        mock_profile_at(tmp_path, bomb_system),
        *("--api", "valkyrie", "--timeout", "5", "--budget", str(budget)),
        guard_seconds=budget + CHILD_WIND_DOWN_SECONDS + 30,
        directory=tmp_path,
    )
    # The documented cases judge what they got: a JSON body over the cap is a failure.
    assert run.exit_code == 1, run.summary()
    assert f"body over {MAX_BODY_BYTES} bytes, not read to the end" in run.output, run.summary()
    # The generated requests stop at the cap too, with no verdict.
    generated = {rid: reason for rid, (_, reason) in run.outcomes.items() if "-GEN-" in rid}
    assert all(f"larger than {MAX_BODY_BYTES} bytes" in reason for reason in generated.values()), generated
    assert run.peak_bytes < CLI_PEAK_BYTES, run.summary()
    assert 0 < run.child_peak_bytes < CLI_PEAK_BYTES, run.summary()
