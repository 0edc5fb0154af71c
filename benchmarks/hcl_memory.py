"""Peak memory of indexing one large .tf file, as a multiple of the file's size.

    python benchmarks/hcl_memory.py [MEGABYTES] [--rss]

The file is generated (realistic blocks: buckets with tags, security groups with nested rules,
instances with heredoc user data, comments) up to MEGABYTES (default 8). The peak is traced
with tracemalloc from reading the file to the finished index, which keeps the text, so the
ratio counts everything the index holds plus the parser's transient syntax trees (and the
parser's own tables, built on first use). Issue 10 measured ~230x when the whole file went
through python-hcl2 at once; the goal is <= 20x. `--rss` measures instead how much the peak
resident set of a fresh process grows while indexing (faster: tracemalloc slows allocation).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from driftpatch.terraform.source import clear_parse_cache, index_source

TEMPLATE = """\
# Bucket {i} and its settings.
resource "aws_s3_bucket" "b{i}" {{
  bucket        = "acme-{i}-${{var.env}}"
  force_destroy = false

  tags = {{
    Name = "bucket-{i}"
    Env  = var.env
    Team = "platform"
  }}
}}

resource "aws_security_group" "sg{i}" {{
  name        = "sg-{i}"
  description = "web tier {i}"
  vpc_id      = var.vpc_id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "192.168.{j}.0/24"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_instance" "web{i}" {{
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"
  subnet_id     = element(var.subnets, {i})
  user_data     = <<-EOT
    #!/bin/bash
    echo "instance {i}" > /etc/motd
  EOT

  root_block_device {{
    encrypted   = true
    volume_size = 20
  }}
}}

"""


def generate(megabytes: float) -> str:
    parts: list[str] = []
    size = 0
    i = 0
    while size < megabytes * 2**20:
        block = TEMPLATE.format(i=i, j=i % 250)
        parts.append(block)
        size += len(block)
        i += 1
    return "".join(parts)


def _rss_growth(path: Path) -> None:
    """In a fresh process: how far indexing raises the peak resident set (KiB on Linux)."""
    root = path.parent
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    index = index_source(root, root=root)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{(after - before) * 1024} {seconds:.1f} {len(index.resources)}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--child" in sys.argv:
        _rss_growth(Path(args[0]))
        return
    megabytes = float(args[0]) if args else 8.0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = generate(megabytes)
        (root / "main.tf").write_text(text, encoding="utf-8")
        size = len(text.encode("utf-8"))
        del text
        if "--rss" in sys.argv:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(root / "main.tf")],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            growth, seconds, retained = int(out[0]), float(out[1]), int(out[2])
            print(
                f"file: {size / 2**20:.1f} MiB, {retained} resources, {seconds:.1f} s; "
                f"peak RSS growth: {growth / 2**20:.1f} MiB = {growth / size:.1f}x the file's size"
            )
            return
        clear_parse_cache()
        tracemalloc.start()
        started = time.perf_counter()
        index = index_source(root, root=root)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        retained = len(index.resources)
    print(
        f"file: {size / 2**20:.1f} MiB, {retained} resources, {seconds:.1f} s; "
        f"peak traced memory: {peak / 2**20:.1f} MiB = {peak / size:.1f}x the file's size"
    )


if __name__ == "__main__":
    main()
