"""Spoken cues through the system's text-to-speech (espeak-ng), when it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ENGINE = "espeak-ng"

HOW_TO_ENABLE = (
    "Voice cues need espeak-ng: install it with your system's package manager "
    "(for example `sudo apt-get install espeak-ng`), then run with --voice again."
)


def available() -> bool:
    """Whether espeak-ng is on the PATH."""
    return shutil.which(ENGINE) is not None


def _command(text: str, wav: Path | None) -> list[str]:
    binary = shutil.which(ENGINE) or ENGINE
    command = [binary, "-s", "165"]
    if wav is not None:
        command += ["-w", str(wav)]
    # "--" keeps a cue starting with "-" from being read as an option.
    return [*command, "--", text]


def speak(text: str) -> bool:
    """Say ``text`` aloud without waiting; False when voice is unavailable."""
    if not available() or not text.strip():
        return False
    subprocess.Popen(_command(text, None), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return True


def synthesize(text: str, wav: Path) -> bool:
    """Write ``text`` as speech to ``wav``; False when voice is unavailable or fails."""
    if not available():
        return False
    result = subprocess.run(_command(text, wav), capture_output=True, timeout=30, check=False)
    return result.returncode == 0 and wav.exists() and wav.stat().st_size > 0


def spoken_form(message: str) -> str:
    """The first two lines of a step: what to do now, without lists and markup."""
    lines = [line.strip("-* ") for line in message.splitlines() if line.strip()]
    return " ".join(lines[:2]).replace("`", "")
