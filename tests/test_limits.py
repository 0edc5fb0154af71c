"""driftpatch.limits: bounded reads, size caps from the environment, nesting depth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from driftpatch import limits
from driftpatch.errors import InputError, TerraformInputError
from driftpatch.limits import InputLimitError, describe_size, json_depth, read_bytes


def test_a_regular_file_is_read_whole_up_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"x" * 100)
    assert read_bytes(path, "s.json", "state", limit=100) == b"x" * 100
    with pytest.raises(InputLimitError) as info:
        read_bytes(path, "s.json", "state", limit=99)
    assert str(info.value) == (
        "s.json: is 100 bytes, over the limit of 99 bytes for a state file "
        "(set DRIFTPATCH_MAX_INPUT_BYTES to raise it)"
    )


def test_the_error_class_is_the_callers(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"xx")
    with pytest.raises(TerraformInputError):
        read_bytes(path, "s", "state", limit=1, error=TerraformInputError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(InputLimitError) as info:
        read_bytes(fifo, "p", "plan")
    assert str(info.value) == "p: is a FIFO (named pipe), expected a regular plan file"


@pytest.mark.skipif(not Path("/dev/zero").is_char_device(), reason="needs /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(InputLimitError) as info:
        read_bytes(Path("/dev/zero"), "/dev/zero", "state")
    assert str(info.value) == "/dev/zero: is a character device, expected a regular state file"


def test_missing_files_and_directories_are_left_to_the_caller(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "nope", "nope", "state")
    with pytest.raises(IsADirectoryError):
        read_bytes(tmp_path, "dir", "state")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", limits.DEFAULT_INPUT_BYTES),
        ("1000", 1000),
        ("4K", 4096),
        ("4kib", 4096),
        ("2M", 2 * 2**20),
        (" 1G ", 2**30),
        ("512MB", 512 * 2**20),
    ],
)
def test_caps_from_the_environment(
    raw: str, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(limits.INPUT_ENV, raw)
    assert limits.max_input_bytes() == expected


@pytest.mark.parametrize("raw", ["lots", "0", "-5", "1.5M", "5T"])
def test_a_bad_cap_is_one_line(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.HCL_ENV, raw)
    with pytest.raises(InputError) as info:
        limits.max_hcl_bytes()
    assert str(info.value) == (
        f"DRIFTPATCH_MAX_HCL_BYTES: expected a size in bytes such as 536870912 or 512M, got {raw!r}"
    )


def test_default_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.INPUT_ENV, raising=False)
    monkeypatch.delenv(limits.HCL_ENV, raising=False)
    assert limits.max_input_bytes() == 512 * 2**20
    assert limits.max_hcl_bytes() == 16 * 2**20


def test_describe_size() -> None:
    assert [describe_size(n) for n in (0, 1023, 1024, 1536, 2**20, 5 * 2**30)] == [
        "0 bytes",
        "1023 bytes",
        "1 KiB",
        "1.5 KiB",
        "1 MiB",
        "5 GiB",
    ]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]]"]', 1),  # brackets in strings are text
        ('["\\"[[[", 2]', 1),  # so are they after an escaped quote
        ('["\\\\", [[]]]', 3),  # an escaped backslash ends before the quote
        ("[[[", 3),  # unbalanced: the parser says what is wrong
    ],
)
def test_json_depth(text: str, depth: int) -> None:
    assert json_depth(text) == depth


def test_load_json_refuses_depth_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("[" * 129 + "]" * 129)
    with pytest.raises(InputLimitError) as info:
        limits.load_json(path, "report")
    assert str(info.value) == (
        f"{path}: nested more than 128 levels deep (driftpatch's limit for a report)"
    )
    path.write_text("[" * 128 + "]" * 128)
    assert limits.load_json(path, "report") is not None


def test_load_json_messages(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(InputLimitError) as info:
        limits.load_json(path, "report")
    assert str(info.value) == f"{path}: report is not UTF-8 text (bad byte at offset 7)"
    with pytest.raises(InputLimitError) as info:
        limits.load_json(tmp_path / "none.json", "report")
    assert str(info.value) == f"{tmp_path}/none.json: cannot read report: No such file or directory"
