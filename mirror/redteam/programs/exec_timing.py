"""Run in the reference box as root: the program alone, as its uid, with and without the
sandbox's preload (the same spawn path both ways), interleaved; prints the two medians in ms.
Its one argument is a JSON object: rules, preload, binary, args, uid, repeat."""

import json
import statistics
import subprocess
import sys
import time

p = json.loads(sys.argv[1])
base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC", "HOME": "/case"}
envs = {"on": {**base, "MIRROR_SANDBOX": p["rules"], "LD_PRELOAD": p["preload"]}, "off": base}
ms: dict[str, list[float]] = {"on": [], "off": []}
for _ in range(p["repeat"]):
    for key, env in envs.items():
        started = time.perf_counter()
        subprocess.run(
            [p["binary"], *p["args"]],
            env=env,
            cwd="/case",
            capture_output=True,
            user=p["uid"],
            group=p["uid"],
            extra_groups=[],
            check=True,
        )
        ms[key].append((time.perf_counter() - started) * 1000)
print(json.dumps({key: statistics.median(values) for key, values in ms.items()}))
