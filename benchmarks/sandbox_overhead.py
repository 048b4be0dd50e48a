"""Oracle round trip from the host with the reference sandbox on and off, side by side.

.venv/bin/python benchmarks/sandbox_overhead.py [REPEAT]   (default 200)
"""

import sys

from mirror.redteam.attacks import sandbox_overhead

if __name__ == "__main__":
    print(sandbox_overhead(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
