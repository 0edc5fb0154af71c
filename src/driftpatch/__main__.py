from driftpatch.cli import run

run()
