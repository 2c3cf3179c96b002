"""Apple Health import: throughput (records per second) and peak memory on a generated export.

Compares nothing with anything else: it measures the streaming importer alone on a
generated ``export.xml`` of the size asked (default 50 MB; ``--mb 500`` for the large
run), parsing in a child process so its peak RSS is the importer's own. Prints JSON:
``{"mb", "records", "seconds", "records_per_s", "mb_per_s", "peak_rss_mb"}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ATTLIST VisionPrescription
  type             CDATA #REQUIRED
  brand            CDATA #IMPLIED

]>
<HealthData locale="en_GB">
 <ExportDate value="2026-11-16 07:40:00 +0100"/>
"""
_SOURCE = 'sourceName="Bench Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice&gt;&gt;"'


def _day_block(day: date) -> str:
    d = day.isoformat()
    lines = [
        f' <Record type="HKQuantityTypeIdentifierRestingHeartRate" {_SOURCE} unit="count/min" '
        f'creationDate="{d} 09:00:00 +0100" startDate="{d} 00:00:00 +0100" '
        f'endDate="{d} 09:00:00 +0100" value="{50 + day.day % 7}"/>',
        f' <Record type="HKQuantityTypeIdentifierHeartRateVariabilitySDNN" {_SOURCE} unit="ms" '
        f'creationDate="{d} 03:00:00 +0100" startDate="{d} 02:59:00 +0100" '
        f'endDate="{d} 03:00:00 +0100" value="{40 + day.day % 9}"/>',
    ]
    for minute in range(0, 1440, 5):
        hh, mm = divmod(minute, 60)
        lines.append(
            f' <Record type="HKQuantityTypeIdentifierHeartRate" {_SOURCE} unit="count/min" '
            f'creationDate="{d} {hh:02d}:{mm:02d}:05 +0100" startDate="{d} {hh:02d}:{mm:02d}:00 '
            f'+0100" endDate="{d} {hh:02d}:{mm:02d}:00 +0100" value="{60 + minute % 40}"/>'
        )
    lines.append(
        f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" '
        f'durationUnit="min" {_SOURCE} startDate="{d} 07:00:00 +0100" '
        f'endDate="{d} 07:30:00 +0100">\n'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" average="150" '
        f'maximum="170" unit="count/min"/>\n </Workout>'
    )
    return "\n".join(lines) + "\n"


def write_export(path: Path, target_bytes: int) -> int:
    """Write a generated ``export.xml`` of about ``target_bytes``; returns the records."""
    records = 0
    day = date(2010, 1, 1)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEAD)
        while written < target_bytes:
            block = _day_block(day)
            out.write(block)
            written += len(block)
            records += block.count("<Record ") + block.count("<Workout ")
            day += timedelta(days=1)
        out.write("</HealthData>\n")
    return records


def peak_rss_mb() -> float:
    """This process's own peak resident memory, MB.

    Linux's ``ru_maxrss`` survives ``exec``: a child started from a large parent (a
    pytest worker) reports the parent's peak. ``VmHWM`` belongs to this process's memory
    map alone, so it is read first.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(path: str) -> None:
    from agent.importers import apple_health

    started = time.perf_counter()
    result = apple_health.parse(Path(path), 1 << 40)
    seconds = time.perf_counter() - started
    print(json.dumps({"records": result.read, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


def measure(path: Path) -> dict[str, float]:
    """Parse ``path`` in a child process; its records, seconds and peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data: dict[str, float] = json.loads(out)
    return data


def main() -> None:
    """Generate, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xml"
        write_export(path, args.mb * 2**20)
        size_mb = path.stat().st_size / 2**20
        data = measure(path)
    print(
        json.dumps(
            {
                "mb": round(size_mb, 1),
                "records": int(data["records"]),
                "seconds": round(data["seconds"], 2),
                "records_per_s": round(data["records"] / data["seconds"]),
                "mb_per_s": round(size_mb / data["seconds"], 1),
                "peak_rss_mb": round(data["peak_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
