"""A process that holds a model cache key's lock while it writes the file (test helper).

Run by tests/autoencoders/test_cache.py as
``python cache_worker.py LOCK SOURCE TARGET``: it takes the lock file, says
``locked`` on stdout, waits half a second (a training in progress), then
puts SOURCE's bytes at TARGET the way the cache does (a temporary file
renamed into place) and releases the lock. It imports no torch, so it
starts in a fraction of a second.
"""

import os
import sys
import time

from filelock import FileLock

if __name__ == "__main__":
    lock, source, target = sys.argv[1:]
    with FileLock(lock):
        print("locked", flush=True)
        time.sleep(0.5)
        tmp = f"{target}.{os.getpid()}.tmp"
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            dst.write(src.read())
        os.replace(tmp, target)
