"""GPX and TCX tracks -> activities, on the hardened streaming XML reader.

GPX: one activity per ``trk``; duration from the first to the last point time, distance
from the points (haversine), heart rate from Garmin's ``TrackPointExtension`` (``hr``)
or any extension element named ``hr``/``heartrate``. TCX: one activity per
``Activity``; durations, distance and calories from its laps, heart rate from the
laps' averages and maxima or the track points; indoor activities without GPS positions
are kept (laps carry their totals).

Both are read with ``agent.importers.xmlsafe`` rather than gpxpy or tcxreader: those
build the whole tree with the standard parser (no DTD refusal, no streaming), and
tcxreader drops laps that have no track points, which is what an indoor TCX often is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from agent.importers.records import Activity, ImportRefused, ParseResult, sport_from
from agent.importers.xmlsafe import read_xml

_EARTH_M = 6_371_000.0


def _time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_M * math.asin(math.sqrt(h))


@dataclass
class _Track:
    name: str = ""
    kind: str = ""
    first: datetime | None = None
    last: datetime | None = None
    distance_m: float = 0.0
    last_point: tuple[float, float] | None = None
    heart_rates: list[float] = field(default_factory=list)


@dataclass
class _GpxHandler:
    result: ParseResult
    track: _Track | None = None
    point: tuple[float, float] | None = None
    buffer: str = ""
    path: list[str] = field(default_factory=list)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.path.append(name)
        self.buffer = ""
        if name == "trk":
            self.track = _Track()
        elif name == "trkpt" and self.track is not None:
            lat, lon = _float(attrs.get("lat")), _float(attrs.get("lon"))
            self.point = (lat, lon) if lat is not None and lon is not None else None
            self.result.read += 1

    def text(self, data: str) -> None:
        self.buffer += data

    def end(self, name: str) -> None:
        self.path.pop()
        track = self.track
        if track is None:
            return
        value = self.buffer.strip()
        if name == "name" and self.path and self.path[-1] == "trk":
            track.name = value
        elif name == "type" and self.path and self.path[-1] == "trk":
            track.kind = value
        elif name == "time" and "trkpt" in self.path:
            moment = _time(value)
            if moment is not None:
                track.first = track.first or moment
                track.last = moment
        elif name in ("hr", "heartrate") and "trkpt" in self.path:
            rate = _float(value)
            if rate:
                track.heart_rates.append(rate)
        elif name == "trkpt":
            if self.point is not None:
                if track.last_point is not None:
                    track.distance_m += haversine_m(track.last_point, self.point)
                track.last_point = self.point
        elif name == "trk":
            self._finish(track)
            self.track = None

    def _finish(self, track: _Track) -> None:
        if track.first is None or track.last is None or track.last <= track.first:
            self.result.skip("a track without timestamps")
            return
        rates = track.heart_rates
        self.result.activities.append(
            Activity(
                source="GPX",
                started_at=track.first,
                sport=sport_from(track.kind or track.name),
                duration_s=(track.last - track.first).total_seconds(),
                name=track.name or track.kind or "GPX track",
                distance_m=round(track.distance_m, 1) if track.distance_m else None,
                avg_hr=round(sum(rates) / len(rates), 1) if rates else None,
                max_hr=max(rates) if rates else None,
            )
        )


@dataclass
class _TcxActivity:
    sport: str
    started: datetime | None = None
    seconds: float = 0.0
    distance_m: float = 0.0
    calories: float = 0.0
    lap_avg: list[tuple[float, float]] = field(default_factory=list)
    """(seconds, average bpm) per lap, to weight the activity's mean."""
    max_hr: float | None = None
    point_hr: list[float] = field(default_factory=list)
    lap_seconds: float = 0.0


@dataclass
class _TcxHandler:
    result: ParseResult
    activity: _TcxActivity | None = None
    buffer: str = ""
    path: list[str] = field(default_factory=list)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.path.append(name)
        self.buffer = ""
        if name == "Activity":
            self.activity = _TcxActivity(sport=attrs.get("Sport", "Other"))
        elif name == "Lap" and self.activity is not None:
            moment = _time(attrs.get("StartTime", ""))
            if self.activity.started is None and moment is not None:
                self.activity.started = moment
        elif name == "Trackpoint":
            self.result.read += 1

    def text(self, data: str) -> None:
        self.buffer += data

    def end(self, name: str) -> None:
        self.path.pop()
        activity = self.activity
        if activity is None:
            return
        parent = self.path[-1] if self.path else ""
        value = _float(self.buffer.strip())
        if parent == "Lap" and value is not None:
            self._lap_value(activity, name, value)
        elif name == "Value" and value is not None and len(self.path) >= 2:
            owner, holder = self.path[-2], self.path[-1]
            if owner == "Lap" and holder == "AverageHeartRateBpm":
                activity.lap_avg.append((activity.lap_seconds, value))
            elif owner == "Lap" and holder == "MaximumHeartRateBpm":
                activity.max_hr = max(activity.max_hr or 0.0, value)
            elif owner == "Trackpoint" and holder == "HeartRateBpm":
                activity.point_hr.append(value)
        elif name == "Activity":
            self._finish(activity)
            self.activity = None

    @staticmethod
    def _lap_value(activity: _TcxActivity, name: str, value: float) -> None:
        if name == "TotalTimeSeconds":
            activity.seconds += value
            activity.lap_seconds = value
        elif name == "DistanceMeters":
            activity.distance_m += value
        elif name == "Calories":
            activity.calories += value

    def _finish(self, activity: _TcxActivity) -> None:
        self.result.read += 1
        if activity.started is None or activity.seconds <= 0:
            self.result.skip("an activity without a lap start or duration")
            return
        weighted = sum(s for s, _ in activity.lap_avg)
        if activity.lap_avg and weighted > 0:
            avg: float | None = sum(s * hr for s, hr in activity.lap_avg) / weighted
        elif activity.point_hr:
            avg = sum(activity.point_hr) / len(activity.point_hr)
        else:
            avg = None
        peak = activity.max_hr or (max(activity.point_hr) if activity.point_hr else None)
        self.result.activities.append(
            Activity(
                source="TCX",
                started_at=activity.started,
                sport=sport_from(activity.sport),
                duration_s=round(activity.seconds, 1),
                name=activity.sport,
                distance_m=round(activity.distance_m, 1) if activity.distance_m else None,
                avg_hr=round(avg, 1) if avg is not None else None,
                max_hr=peak,
                calories=activity.calories or None,
            )
        )


def _read(path: Path, kind: str, handler: _GpxHandler | _TcxHandler, empty: str) -> ParseResult:
    with path.open("rb") as stream:
        read_xml(stream, handler)
    result = handler.result
    if not result.activities and not result.skipped:
        raise ImportRefused(f"the {kind.upper()} file holds no {empty}")
    return result


def gpx(path: Path) -> ParseResult:
    """Activities in a GPX file.

    Raises:
        ImportRefused: Not well-formed or hostile XML, or no track.
    """
    return _read(path, "gpx", _GpxHandler(ParseResult(kind="gpx")), "track")


def tcx(path: Path) -> ParseResult:
    """Activities in a TCX file.

    Raises:
        ImportRefused: Not well-formed or hostile XML, or no activity.
    """
    return _read(path, "tcx", _TcxHandler(ParseResult(kind="tcx")), "activity")


__all__ = ["gpx", "haversine_m", "tcx"]
