"""How much a throttling burst costs a scan, with driftpatch's default retry settings.

    python benchmarks/fault_retries.py [--world demo] [--runs 3]

Replays a recorded world onto an embedded moto server, puts the fault-injection proxy of the
test suite (tests/aws/faults/proxy.py) in front of it, and times `api.scan` (defaults: retries,
backoff, timeouts) clean, with every S3 request throttled on its first three attempts, and with
every request throttled on its first three attempts. Prints the median wall time of each and
its ratio to the clean scan, and the errors (there should be none). Asserts nothing: timing
belongs here, not in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from tests.aws.faults.proxy import Fault, fault_proxy  # noqa: E402

from driftpatch import api  # noqa: E402
from driftpatch.config import Config  # noqa: E402
from driftpatch.demo import worlds  # noqa: E402
from driftpatch.embedded import embedded_aws  # noqa: E402

SCENARIOS: dict[str, tuple[Fault, ...]] = {
    "clean": (),
    "s3 throttled x3": (Fault("throttle", service="s3", attempts=3),),
    "all throttled x3": (Fault("throttle", attempts=3),),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", default="demo")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, embedded_aws() as aws:
        os.environ.update(aws.env())
        world = worlds.deploy(
            aws, worlds.stack_path(args.world, REPO), Path(tmp) / "world", terraform=None
        )
        with fault_proxy(aws.endpoint_url) as proxy:
            config = Config(
                states=(str(world.state_path),),
                source=world.root,
                regions=("us-east-1",),
                endpoint_url=proxy.url,
                checkov=False,
            )
            times: dict[str, float] = {}
            for name, faults in SCENARIOS.items():
                runs = []
                for _ in range(args.runs):
                    proxy.set(*faults)
                    started = time.monotonic()
                    report = api.scan(config)
                    runs.append(time.monotonic() - started)
                    errors = len(report.errors)
                times[name] = statistics.median(runs)
                ratio = times[name] / times["clean"]
                print(
                    f"{name:18} {times[name]:6.2f} s  {ratio:4.2f}x clean  "
                    f"{len(proxy.injected):4d} faults injected  {errors} errors",
                    flush=True,
                )


if __name__ == "__main__":
    main()
