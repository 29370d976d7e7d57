"""The on-disk record format of the write-ahead log.

A segment is a sequence of records::

    magic "HWAL" | version u8 | signal u8 | coding u16 | received_at_ns u64 |
    project_len u16 | body_len u32 | crc32 u32 | project_id bytes | body bytes

The CRC covers everything after it (project id and body) plus the fixed header fields, so a torn
write at the tail of a segment (the process died mid-write, before the fsync that would have
acknowledged it) is detected and ignored; acknowledged records are always whole.

``coding`` says how the body is stored: the OTLP protobuf as is (0, which the field held before it had
a meaning), or the request's gzip (1) or HTTP-deflate (2) bytes as they arrived. Keeping compressed
bodies compressed writes and fsyncs 5-6x fewer bytes per span, and the disk budget holds as many
times more data while object storage is away.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from isal.isal_zlib import crc32  # the same CRC-32 as zlib's, ~13x faster (PCLMUL)

from hearth_ingest.content_coding import inflate

MAGIC = b"HWAL"
VERSION = 1
_HEADER = struct.Struct("<4sBBHQHII")
HEADER_SIZE = _HEADER.size


class Signal(IntEnum):
    TRACES = 1
    LOGS = 2
    METRICS = 3


class BodyCoding(IntEnum):
    IDENTITY = 0
    GZIP = 1
    DEFLATE = 2


#: The largest body a record can hold (``body_len`` is a u32); inflating a stored body never stops short
#: of what the door accepted, whatever the request limit is set to when the record is read.
_MAX_PLAIN_BYTES = 2**32 - 1


@dataclass(frozen=True, slots=True)
class WalRecord:
    """One acknowledged request: its project, signal, arrival time and OTLP protobuf body (stored with
    ``coding``; :meth:`protobuf` gives it plain)."""

    project_id: str
    signal: Signal
    received_at_ns: int
    body: bytes
    coding: BodyCoding = BodyCoding.IDENTITY

    def protobuf(self) -> bytes:
        """The OTLP protobuf request."""
        if self.coding is BodyCoding.GZIP:
            return inflate(self.body, "gzip", _MAX_PLAIN_BYTES)
        if self.coding is BodyCoding.DEFLATE:
            return inflate(self.body, "deflate", _MAX_PLAIN_BYTES)
        return self.body


def encode(record: WalRecord) -> bytes:
    project = record.project_id.encode()
    coding = record.coding
    fixed = struct.pack(
        "<BBHQHI", VERSION, record.signal, coding, record.received_at_ns, len(project), len(record.body)
    )
    crc = crc32(record.body, crc32(project, crc32(fixed)))
    header = _HEADER.pack(
        MAGIC, VERSION, record.signal, coding, record.received_at_ns, len(project), len(record.body), crc
    )
    return header + project + record.body


@dataclass(frozen=True, slots=True)
class ReadResult:
    records: list[WalRecord]
    valid_bytes: int  # length of the intact prefix
    torn_tail: bool  # bytes after the intact prefix that do not form a whole, valid record


def decode_all(data: bytes | memoryview) -> ReadResult:
    """Every intact record from the start; stops at the first incomplete or corrupt one."""
    records = list(_iter_records(memoryview(data)))
    valid = sum(HEADER_SIZE + len(r.project_id.encode()) + len(r.body) for r in records)
    return ReadResult(records, valid, valid < len(data))


def _iter_records(view: memoryview) -> Iterator[WalRecord]:
    offset, size = 0, len(view)
    while offset + HEADER_SIZE <= size:
        magic, version, signal, coding, received, project_len, body_len, crc = _HEADER.unpack_from(
            view, offset
        )
        end = offset + HEADER_SIZE + project_len + body_len
        if magic != MAGIC or version != VERSION or end > size:
            return
        project = bytes(view[offset + HEADER_SIZE : offset + HEADER_SIZE + project_len])
        body = bytes(view[offset + HEADER_SIZE + project_len : end])
        fixed = struct.pack("<BBHQHI", version, signal, coding, received, project_len, body_len)
        if crc32(body, crc32(project, crc32(fixed))) != crc:
            return
        try:
            yield WalRecord(project.decode(), Signal(signal), received, body, BodyCoding(coding))
        except ValueError:
            return
        offset = end
