"""How long indexing a configuration takes: N generated files of ~40 lines each.

    python benchmarks/source_index.py [FILES] [REPEATS]

Parsing dominates (python-hcl2's lark LALR parser); the index walks each tree once.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from driftpatch.terraform.source import index_source

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

resource "aws_s3_bucket_versioning" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_security_group" "sg{i}" {{
  name   = "sg-{i}"
  vpc_id = "vpc-123"

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"] // internal
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  policy = <<-EOT
    {{"Version": "2012-10-17"}}
  EOT
}}
"""


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(files):
            (root / f"f{i:04d}.tf").write_text(TEMPLATE.format(i=i))
        lines = sum(len(p.read_text().splitlines()) for p in root.glob("*.tf"))
        index_source(root, root=root)  # warm: the parser is built (or loaded) once per process
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            index = index_source(root, root=root)
            times.append(time.perf_counter() - start)
        assert len(index.resources) == 3 * files and not index.problems
    best, median = min(times), statistics.median(times)
    print(
        f"{files} files, {lines} lines, {len(index.resources)} resources: "
        f"best {best:.3f} s, median {median:.3f} s ({median / files * 1000:.2f} ms/file)"
    )


if __name__ == "__main__":
    main()
