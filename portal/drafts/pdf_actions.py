"""Refusing PDFs that would run something: scripts, automatic actions, attached files.

A PDF is reviewed as drawn pages, but it is also downloaded and opened in whatever reader the
reviewer has, so a file carrying JavaScript, a launch of a program, a form that submits
itself, or a file attached inside it is refused at upload (422, nothing kept).

The check reads names, the only way a PDF can ask for any of these (an action's ``/S``
type, a dictionary key), without trusting the file's layout:

- Long names (``/JavaScript``, ``/Launch``, …) are looked for everywhere in the raw bytes,
  stream data included: a reader may be sent into the middle of a stream by a forged
  cross-reference table, and a chance match in compressed data is about as likely as a
  collision of hashes. Every action that runs a script carries ``/S /JavaScript``.
- Short names (``/JS``, ``/AA``, ``/XFA``) would turn up by chance in megabytes of
  compressed data, so they are looked for outside stream data only.
- Names may be spelled with ``#xx`` escapes (``/J#61vaScript`` is ``/JavaScript``):
  they are decoded first.
- Objects packed in compressed object streams are inflated (FlateDecode, within
  ``MAX_INFLATED`` bytes in all) and read the same way. An object stream that can't be
  inflated (encrypted, another filter, a predictor) can't be checked, and is refused.
"""

import re
import zlib
from bisect import bisect_right
from pathlib import Path

from portal.errors import InvalidInput

SCRIPTS = "This PDF contains scripts or automatic actions; export it again without them."
ATTACHMENTS = "This PDF carries attached files or media; export it again without them."
UNCHECKABLE = (
    "This PDF is packed in a way we can't check for scripts (encrypted or unusually "
    "compressed); export it again without protection."
)

# Actions that run something, and where automatic actions hang.
SCRIPT_NAMES = {b"JavaScript", b"Launch", b"SubmitForm", b"ImportData"}
SHORT_SCRIPT_NAMES = {b"JS", b"AA", b"XFA"}
# Files and media carried inside the PDF.
ATTACHMENT_NAMES = {b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
# Object streams inflate to at most this many bytes in all (a zip bomb stops here).
MAX_INFLATED = 32 * 1024 * 1024
# The dictionary of a stream is looked for this far before its ``stream`` keyword.
DICTIONARY_REACH = 4096

# A name: a slash and the regular characters after it (PDF 32000-1, 7.2.2 and 7.3.5).
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_OBJECT_START = re.compile(rb"\bobj\b")
# Every filter a stream may name, long and abbreviated (PDF 32000-1, tables 6 and 94).
_FILTERS = {
    b"ASCIIHexDecode", b"ASCII85Decode", b"LZWDecode", b"FlateDecode", b"RunLengthDecode",
    b"CCITTFaxDecode", b"JBIG2Decode", b"DCTDecode", b"JPXDecode", b"Crypt",
    b"AHx", b"A85", b"LZW", b"Fl", b"RL", b"CCF", b"DCT",
}  # fmt: skip


def check_pdf_actions(path: Path) -> None:
    """Raise InvalidInput if the PDF at ``path`` carries scripts, automatic actions or
    attached files, or hides its objects where they can't be checked."""
    data = path.read_bytes()
    streams = _stream_bodies(data)
    starts = [start for start, _ in streams]
    found = set()
    for position, name in _names(data):
        index = bisect_right(starts, position) - 1
        in_stream_data = index >= 0 and position < streams[index][1]
        if not in_stream_data or name not in SHORT_SCRIPT_NAMES:
            found.add(name)
    inflated = 0
    for start, end in streams:
        dictionary = _stream_dictionary(data, start)
        if b"ObjStm" not in dictionary and b"First" not in dictionary:
            continue
        objects = _objects_of(data[start:end], dictionary, MAX_INFLATED - inflated)
        inflated += len(objects)
        found.update(name for _, name in _names(objects))
    if found & (SCRIPT_NAMES | SHORT_SCRIPT_NAMES):
        raise InvalidInput(SCRIPTS)
    if found & ATTACHMENT_NAMES:
        raise InvalidInput(ATTACHMENTS)


def _names(data: bytes):
    """(position, name) of every name in ``data``, ``#xx`` escapes decoded."""
    for match in _NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _ESCAPE.sub(lambda escape: bytes([int(escape.group(1), 16)]), name)
        yield match.start(), name


def _stream_bodies(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each stream's data: from after ``stream`` to ``endstream``."""
    bodies, position = [], 0
    while match := _STREAM_START.search(data, position):
        end = data.find(b"endstream", match.end())
        end = len(data) if end < 0 else end
        bodies.append((match.end(), end))
        position = end
    return bodies


def _stream_dictionary(data: bytes, body_start: int) -> list[bytes]:
    """The names in the dictionary of the stream whose data starts at ``body_start``: those
    after the last ``obj`` keyword before it."""
    window = data[max(body_start - DICTIONARY_REACH, 0) : body_start]
    objects = list(_OBJECT_START.finditer(window))
    dictionary = window[objects[-1].end() :] if objects else window
    return [name for _, name in _names(dictionary)]


def _objects_of(body: bytes, dictionary: list[bytes], budget: int) -> bytes:
    """An object stream's objects, inflated if need be; refused (as UNCHECKABLE) if they
    can't be read as they are stored or exceed ``budget`` bytes."""
    if b"Filter" not in dictionary:
        return body
    filters = [name for name in dictionary if name in _FILTERS]
    if filters not in ([b"FlateDecode"], [b"Fl"]) or b"Predictor" in dictionary:
        raise InvalidInput(UNCHECKABLE)
    inflater = zlib.decompressobj()
    try:
        objects = inflater.decompress(body, max(budget, 0) + 1)
    except zlib.error as error:
        raise InvalidInput(UNCHECKABLE) from error
    if len(objects) > budget:
        raise InvalidInput(UNCHECKABLE)
    return objects
