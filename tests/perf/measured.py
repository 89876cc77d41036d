"""``python -m tests.perf.measured COMMAND…``: run COMMAND, then print its wall time and the
peak resident memory of it and every descendant it waited for, as ``MEASURED {json}``.

Why a separate small process: Linux carries a process's peak memory across ``exec`` from
the process that forked it, so a child of the (large) bench would report the bench's size.
Children of this small launcher start from its size instead. A TERM sent to the process
group is for COMMAND (rq's warm shutdown): the launcher waits on and reports all the same.
"""

import json
import resource
import signal
import subprocess
import sys
import time


def main(command: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: None)
    started = time.perf_counter()
    returncode = subprocess.call(command)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = {"returncode": returncode, "seconds": seconds, "peak_mb": peak_mb}
    print("MEASURED " + json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
