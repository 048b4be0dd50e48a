"""Oracle round trip from the host with the reference sandbox on and off, side by side, on
every target whose redteam.toml names an ``overhead`` case.

.venv/bin/python benchmarks/sandbox_overhead.py [REPEAT]   (default 200)
"""

import sys

from mirror.redteam import sandbox_overhead

if __name__ == "__main__":
    rows = sandbox_overhead(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    print(
        f"{'case':<12} {'trip on':>14} {'trip off':>9} {'change':>7}  "
        f"{'exec on':>9} {'exec off':>9} {'change':>7}"
    )
    for row in rows:
        print(
            f"{row.label:<12} {row.trip_on:>11.2f} ms {row.trip_off:>6.2f} ms "
            f"{row.trip_change:>+7.1%}  {row.exec_on:>6.2f} ms {row.exec_off:>6.2f} ms "
            f"{row.exec_change:>+7.1%}"
        )
