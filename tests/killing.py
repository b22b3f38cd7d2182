"""Writers in other processes, killed with SIGKILL in the middle of their work (crash-safety tests)."""
import multiprocessing
import os
import signal
import time

FORK = multiprocessing.get_context("fork")


def kill_writers_midway(target, args, at_least, writers=2, seconds=60):
    """Start `writers` processes running `target(*args, progress)`, kill -9 them once `progress` reached `at_least`.

    `target` adds one to `progress` (a shared integer) after each operation it completed; the
    processes are killed wherever they are then, most likely in the middle of one.
    """
    progress = FORK.Value("i", 0)
    processes = [FORK.Process(target=target, args=(*args, progress)) for _ in range(writers)]
    for process in processes:
        process.start()
    deadline = time.monotonic() + seconds
    while progress.value < at_least and time.monotonic() < deadline:
        time.sleep(0.01)
    for process in processes:
        os.kill(process.pid, signal.SIGKILL)
    for process in processes:
        process.join(30)
        assert process.exitcode == -signal.SIGKILL
    assert progress.value >= at_least, "the writers never got going"
    return progress.value
