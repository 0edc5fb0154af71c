from driftpatch.cli import main

main()
