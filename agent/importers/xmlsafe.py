"""A hardened, streaming XML reader for the XML exports (Apple Health, GPX, TCX).

Exports reach gigabytes, so the file is fed to expat in chunks and handed to the caller
as start/end/text events: memory stays flat whatever the size. Before expat sees a byte:

* the document type declaration is cut out. Apple's own (iOS 16 onwards) is malformed
  (an ``ATTLIST`` that never closes), and a DTD is the door to entity expansion ("billion
  laughs") and external entities; nothing we read needs one. A DTD that declares an
  entity is refused outright with one line, so a hostile file is named as such.
* control characters XML forbids (Apple writes stray vertical tabs, 0x0B) are dropped; they are
  single bytes that never occur inside a UTF-8 multi-byte sequence, so this is safe.

Expat is also told never to parse parameter entities and to refuse any entity
declaration or external reference, in case a declaration slips through some other way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO, Protocol
from xml.parsers import expat

from agent.importers.records import ImportRefused

CHUNK_BYTES = 1 << 20
HEAD_LIMIT_BYTES = 4 << 20
"""The prolog and DTD must end within this many bytes (Apple's DTD is about 10 kB)."""

_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13))
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SUBSET_END = re.compile(rb"\]\s*>")
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


class XmlHandler(Protocol):
    """What the reader calls: element starts (local name, attributes), ends and text."""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """An element opens."""

    def end(self, name: str) -> None:
        """An element closes."""

    def text(self, data: str) -> None:
        """Character data inside the current element."""


def _strip_doctype(head: bytes) -> bytes:
    match = _DOCTYPE.search(head)
    if match is None:
        return head
    start = match.start()
    close = head.find(b">", start)
    bracket = head.find(b"[", start)
    if bracket != -1 and (close == -1 or bracket < close):
        end_match = _SUBSET_END.search(head, bracket)
        if end_match is None:
            raise ImportRefused("the XML document type declaration never ends; not an export")
        subset = head[bracket : end_match.start()]
        if _ENTITY.search(subset):
            raise ImportRefused(
                "refused: the file declares XML entities (an entity-expansion attack pattern); "
                "nothing was imported"
            )
        end = end_match.end()
    else:
        if close == -1:
            raise ImportRefused("the XML document type declaration never ends; not an export")
        end = close + 1
    return head[:start] + head[end:]


def _prolog_complete(head: bytes) -> bool:
    """Whether ``head`` holds the whole prolog: the DTD's end, or the root's start."""
    match = _DOCTYPE.search(head)
    if match is None:
        return _ROOT_START.search(head) is not None
    close = head.find(b">", match.start())
    bracket = head.find(b"[", match.start())
    if bracket != -1 and (close == -1 or bracket < close):
        return _SUBSET_END.search(head, bracket) is not None
    return close != -1


def sanitised_chunks(stream: IO[bytes], chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The stream's bytes without its DTD and forbidden control characters, in chunks."""
    head = b""
    piece = b"start"
    while piece and not _prolog_complete(head):
        if len(head) > HEAD_LIMIT_BYTES:
            raise ImportRefused("the XML prolog is larger than any export's; refusing the file")
        piece = stream.read(chunk_bytes)
        head += piece
    yield _strip_doctype(head).translate(None, _CONTROL)
    while piece:
        piece = stream.read(chunk_bytes)
        if piece:
            yield piece.translate(None, _CONTROL)


def _refuse(*_args: object) -> int:
    raise ImportRefused(
        "refused: the file declares XML entities (an entity-expansion attack pattern); "
        "nothing was imported"
    )


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def read_xml(stream: IO[bytes], handler: XmlHandler, *, with_text: bool = True) -> int:
    """Stream ``stream`` through expat into ``handler``; returns bytes read.

    Raises:
        ImportRefused: The file is not well-formed XML or tries entity tricks.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartDoctypeDeclHandler = _refuse
    start: Callable[[str, dict[str, str]], None] = handler.start
    end: Callable[[str], None] = handler.end
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    parser.EndElementHandler = lambda name: end(_local(name))
    if with_text:
        parser.CharacterDataHandler = handler.text
    total = 0
    try:
        for chunk in sanitised_chunks(stream):
            total += len(chunk)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ImportRefused(
            f"not well-formed XML at line {exc.lineno}: {expat.ErrorString(exc.code)}"
        ) from exc
    except LookupError as exc:
        # A damaged or exotic encoding declaration ("TF-8") is expat asking the codec
        # registry for a name it does not know: a refused file, not a crash.
        raise ImportRefused(f"unknown text encoding in the XML declaration ({exc})") from exc
    return total


__all__ = ["CHUNK_BYTES", "XmlHandler", "read_xml", "sanitised_chunks"]
