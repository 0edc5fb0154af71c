"""One module per rule. Each module defines `RULE` (an instance of a `Rule` subclass); the
registry in driftpatch.rules discovers them, so adding a rule is adding a file."""
