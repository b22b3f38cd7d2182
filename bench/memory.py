"""Memory readings of the running process, shared by the benchmarks."""
from pathlib import Path


def status_kib(field):
    """A field of /proc/self/status in KiB (VmRSS, VmHWM); None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
