"""Sampling profiles of a server under test with py-spy, and a plain-text summary of where the time goes.

py-spy samples every thread from outside the process (our turns run on the event loop, in to_thread
workers and in msrest's executor threads, which cProfile in the main thread would miss). `--gil` keeps only
the samples of the thread holding the GIL: with one process bound by one core, that is the CPU that
limits throughput. `--nonblocking` keeps the sampler from pausing the bot.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def start_recording(pid: int, seconds: float, output: Path, rate: int = 250) -> subprocess.Popen | None:
    binary = py_spy()
    if binary is None:
        print("  (no py-spy: `.venv/bin/pip install py-spy` to profile)")
        return None
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", str(rate),
         "--nonblocking", "--gil", "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{match['function']} ({file})"


def summarise(collapsed: Path, top: int = 30) -> str:
    """Inclusive and self shares of the sampled stacks, per function (lines folded together)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_short(f) for f in stack.split(";") if f]
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    if not total:
        return "no samples"
    lines = [f"{total} samples holding the GIL", "", "inclusive (a function and what it calls):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self (the function's own code):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1]), top=int(sys.argv[2]) if len(sys.argv) > 2 else 30))
