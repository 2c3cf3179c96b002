"""A minimal FIT file writer for test fixtures: file_id, record and session messages.

Written from the FIT protocol (14-byte header, definition and data messages, CRC-16) so
the fixtures are real FIT bytes that ``fitdecode`` reads with its CRC check on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip
SPORTS = {"running": 1, "cycling": 2, "swimming": 5, "training": 10, "walking": 11}

# (field number, size, base type) per message; base types: 0x00 enum, 0x02 uint8,
# 0x84 uint16, 0x86 uint32, 0x8C uint32z.
_FILE_ID = (0, [(0, 1, 0x00), (1, 2, 0x84), (4, 4, 0x86)])
_RECORD = (20, [(253, 4, 0x86), (3, 1, 0x02), (5, 4, 0x86)])
_SESSION = (
    18,
    [(253, 4, 0x86), (2, 4, 0x86), (5, 1, 0x00), (7, 4, 0x86), (8, 4, 0x86), (9, 4, 0x86),
     (11, 2, 0x84), (16, 1, 0x02), (17, 1, 0x02)],
)  # fmt: skip
_FORMATS = {1: "B", 2: "H", 4: "I"}


def crc16(data: bytes, crc: int = 0) -> int:
    """The FIT CRC-16."""
    for byte in data:
        tmp = _CRC_TABLE[crc & 0xF]
        crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[byte & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]
        crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[(byte >> 4) & 0xF]
    return crc


def _stamp(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


def _definition(local: int, message: tuple[int, list[tuple[int, int, int]]]) -> bytes:
    number, fields = message
    out = struct.pack("<BBBHB", 0x40 | local, 0, 0, number, len(fields))
    for field_number, size, base in fields:
        out += struct.pack("<BBB", field_number, size, base)
    return out


def _data(local: int, message: tuple[int, list[tuple[int, int, int]]], values: list[int]) -> bytes:
    fields = message[1]
    fmt = "<B" + "".join(_FORMATS[size] for _n, size, _b in fields)
    return struct.pack(fmt, local, *values)


@dataclass
class FitActivity:
    """One activity to write: start, seconds, sport, distance and heart rates."""

    start: datetime
    seconds: int
    sport: str = "running"
    distance_m: float = 5000.0
    heart_rates: tuple[int, ...] = (120, 140, 150)
    calories: int = 300


def fit_bytes(activity: FitActivity, *, with_session: bool = True) -> bytes:
    """One complete FIT file (header, messages, CRC) for ``activity``."""
    body = _definition(0, _FILE_ID) + _data(0, _FILE_ID, [4, 1, _stamp(activity.start)])
    body += _definition(1, _RECORD)
    step = activity.seconds // max(1, len(activity.heart_rates) - 1)
    for i, hr in enumerate(activity.heart_rates):
        distance = activity.distance_m * i / max(1, len(activity.heart_rates) - 1)
        body += _data(1, _RECORD, [_stamp(activity.start) + i * step, hr, int(distance * 100)])
    if with_session:
        rates = activity.heart_rates
        body += _definition(2, _SESSION)
        body += _data(
            2,
            _SESSION,
            [
                _stamp(activity.start) + activity.seconds,
                _stamp(activity.start),
                SPORTS[activity.sport],
                activity.seconds * 1000,
                activity.seconds * 1000,
                int(activity.distance_m * 100),
                activity.calories,
                round(sum(rates) / len(rates)),
                max(rates),
            ],
        )
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    data = header + body
    return data + struct.pack("<H", crc16(data))


__all__ = ["FitActivity", "crc16", "fit_bytes"]
