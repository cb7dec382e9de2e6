"""Content-Encoding decoded in bounded steps, so that a small compressed answer cannot expand past the body cap.

A 1,827-byte answer with ``Content-Encoding: gzip, gzip`` decodes to 1 GiB. A decoder that returns whatever one
network chunk expands to would hold all of it before the body cap is looked at; here each layer hands on at most
``PIECE_BYTES`` at a time, and the reader stops asking once it has enough.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

# The encodings the suite can decode in bounded steps, and so the only ones it asks for.
ACCEPT_ENCODING = "gzip, deflate"
# The most a layer hands on at once: memory in use while decoding is a few of these per layer.
PIECE_BYTES = 64 * 1024
# More layers than any server needs; each costs a decompressor's state (urllib3 stops at five as well).
MAX_LAYERS = 5

_GZIP = zlib.MAX_WBITS | 16
_ZLIB = zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS


class DecodingError(Exception):
    """The body does not decode as its Content-Encoding says."""


class _ZlibLayer:
    """One gzip or deflate layer, whose output comes in pieces of at most ``PIECE_BYTES``."""

    def __init__(self, name: str, wbits: int) -> None:
        self._name = name
        self._wbits = wbits
        self._decompressor = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        # Bytes after the end of the stream are ignored, as httpx and urllib3 ignore them; kept, they would pile up.
        while not self._decompressor.eof:
            try:
                piece = self._decompressor.decompress(data, PIECE_BYTES)
            except zlib.error as exc:
                if not self._started and self._wbits == _ZLIB:
                    # Some servers send "deflate" without its zlib header: read it as raw deflate, as browsers do.
                    self._wbits = _RAW_DEFLATE
                    self._decompressor = zlib.decompressobj(_RAW_DEFLATE)
                    continue
                raise DecodingError(f"the body is not valid {self._name}: {exc}") from None
            self._started = True
            # What max_length left unread; zlib may also hold output back when the piece came out full.
            data = self._decompressor.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < PIECE_BYTES:
                return

    def flush(self) -> bytes:
        # Everything was fed through decompress() with a bound, so only what zlib holds back is left: a few bytes.
        try:
            return self._decompressor.flush()
        except zlib.error as exc:
            raise DecodingError(f"the body is not valid {self._name}: {exc}") from None


_LAYERS = {"gzip": ("gzip", _GZIP), "x-gzip": ("gzip", _GZIP), "deflate": ("deflate", _ZLIB)}


class BoundedDecoder:
    """Decodes a body by its Content-Encoding header, in pieces of at most ``PIECE_BYTES``.

    Codings are undone last first. From the first coding the suite does not decode (br, zstd, compress, anything),
    the body is left as it came: the reader then caps its raw bytes like any other body.
    """

    def __init__(self, content_encoding: str) -> None:
        codings = [coding.strip().lower() for coding in content_encoding.split(",")]
        codings = [coding for coding in codings if coding and coding != "identity"]
        if len(codings) > MAX_LAYERS:
            raise DecodingError(f"the body has {len(codings)} content codings; at most {MAX_LAYERS} are decoded")
        self._layers: list[_ZlibLayer] = []
        for coding in reversed(codings):
            if coding not in _LAYERS:
                break
            self._layers.append(_ZlibLayer(*_LAYERS[coding]))
        # Undecoded outer codings make the inner ones unreachable: decode nothing rather than the wrong layers.
        if len(self._layers) < len(codings):
            self._layers = []

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next raw chunk; stop iterating to stop decoding."""
        return _through(self._layers, data)

    def flush(self) -> Iterator[bytes]:
        """What the layers still hold once the raw body has ended."""
        for index, layer in enumerate(self._layers):
            yield from _through(self._layers[index + 1 :], layer.flush())


def _through(layers: list[_ZlibLayer], data: bytes) -> Iterator[bytes]:
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _through(layers[1:], piece)
