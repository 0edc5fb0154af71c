"""Exception roots. Each subsystem raises its own subclass; only the CLI maps them to exit codes.

Expected failures that should not stop a run (one AWS service denied, one .tf file with a syntax
error) are values (`ScanError`), never exceptions.
"""


class DriftpatchError(Exception):
    """Root of every error driftpatch raises on purpose."""


class InputError(DriftpatchError):
    """Bad input or usage: the CLI prints the message as one line and exits 2."""


class TerraformInputError(InputError):
    """A state, plan or HCL input that cannot be used (terraform/ subsystem)."""


class AwsError(DriftpatchError):
    """AWS could not be used at all (no credentials, no region); partial failures are values."""


class ReadOnlyViolation(DriftpatchError):
    """A code path tried an AWS operation that is not Describe/List/Get/Head. Always a bug."""


class FixError(DriftpatchError):
    """A patch could not be built or applied (fix/ subsystem)."""


class ReportError(InputError):
    """A report could not be read (e.g. `driftpatch patch REPORT.json`) or written."""
