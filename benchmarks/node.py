"""The JavaScript reference parser, eventsource-parser, on Node.js, on the same bytes.

A separate process, so not interleaved with the Python contenders: the package is
installed with npm into a temporary directory at benchmark time (nothing is
committed, nothing installed globally), the stream is written to a file there, and
a small script parses it in calibrated loops and prints the median time per parse
as JSON.  Each parse decodes the bytes with ``TextDecoder`` (as ours decodes UTF-8)
and feeds the text to one ``createParser`` whose ``onEvent`` keeps every event in an
array (one object per event, as ours returns).  Without ``node`` or ``npm`` on PATH,
or when the install fails, the benchmark goes on without it and says why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["PACKAGE", "SCRIPT", "eventsource_parser"]

#: What npm installs (the major version whose API the script uses).
PACKAGE = "eventsource-parser@3"

SCRIPT = r"""
import { createParser } from "eventsource-parser";
import { readFileSync } from "node:fs";

const [file, minSeconds, repeats] = process.argv.slice(2);
const bytes = readFileSync(file);

function parse() {
  const events = [];
  const parser = createParser({ onEvent(event) { events.push(event); } });
  parser.feed(new TextDecoder().decode(bytes));
  return events.length;
}

function sample(loops) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) parse();
  return Number(process.hrtime.bigint() - start) / 1e9 / loops;
}

const events = parse();
let loops = 1;
while (sample(loops) * loops < Number(minSeconds)) loops *= 2;
const times = [];
for (let r = 0; r < Number(repeats); r++) times.push(sample(loops));
times.sort((a, b) => a - b);
console.log(JSON.stringify({ events, seconds: times[Math.floor(times.length / 2)] }));
"""

Execute = Callable[..., "subprocess.CompletedProcess[str]"]


def eventsource_parser(
    streams: Mapping[str, bytes],
    *,
    min_time: float,
    repeats: int,
    execute: Execute = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[dict[str, tuple[int, float]], str | None]:
    """Parse each of ``streams`` (name -> bytes) with eventsource-parser on Node.js:
    ``({name: (events, median seconds per parse)}, None)``, or ``({}, reason)`` when
    Node.js or npm is missing or a step fails (this never raises for that)."""
    node, npm = which("node"), which("npm")
    if node is None or npm is None:
        return {}, "eventsource-parser (Node.js): skipped, node or npm is not on PATH"
    with tempfile.TemporaryDirectory(prefix="sse-codec-bench-") as tmp:
        where = Path(tmp)
        install = [npm, "install", "--no-audit", "--no-fund", "--silent", PACKAGE]
        try:
            done = execute(install, cwd=where, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {}, f"eventsource-parser (Node.js): skipped, npm install failed ({exc})"
        if done.returncode != 0:
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return {}, f"eventsource-parser (Node.js): skipped, npm install failed: {why[0]}"
        script = where / "parse.mjs"
        script.write_text(SCRIPT)
        out: dict[str, tuple[int, float]] = {}
        for name, stream in streams.items():
            data = where / "stream.sse"
            data.write_bytes(stream)
            command = [node, str(script), str(data), str(min_time), str(repeats)]
            try:
                done = execute(command, cwd=where, capture_output=True, text=True, timeout=600)
                got = json.loads(done.stdout) if done.returncode == 0 else None
            except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
                return out, f"eventsource-parser (Node.js): {name} failed ({exc})"
            if not isinstance(got, dict):
                tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
                return out, f"eventsource-parser (Node.js): {name} failed: {tail[0]}"
            out[name] = (int(got["events"]), float(got["seconds"]))
    return out, None
