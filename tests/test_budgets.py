"""Budgets: one home for the caps, messages that say how to raise them, the command line's
refusals in one line, and readers whose peak is what their cap says.

The hostile files themselves are crafted in ``tests/test_hostile_files.py``; here the ones a
command can be handed are handed to it (``tinysae show``, ``tinysae train --resume``): exit
status 1, one line, no traceback, and in a fresh process a peak resident memory under
:data:`CLI_RSS_LIMIT`.
"""

import gzip
import importlib
import os
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import test_hostile_files as hostile
from tinysae.cli import main
from tinysae.runtime import budgets

MB = 2 ** 20

#: The peak resident memory of a fresh process that refuses every file a command is handed.
CLI_RSS_LIMIT = 600 * MB

#: Each case of test_hostile_files that a command line can meet, and the command.
CLI_CASES = {case: (["show", "{path}"] if read is hostile.load else
                    ["train", "--resume", "{path}"] if read is hostile.resume_run else
                    ["show", "{path}", *read.options])
             for case, (_, read, *_) in hostile.CASES.items()
             if read in (hostile.load, hostile.resume_run) or getattr(read, "options", None)}


def refuse_on_the_command_line(case, directory):
    """Make the case's file, hand it to its command; (exit status, stderr)."""
    make, _, words, *caps = hostile.CASES[case]
    assert not caps  # no case of the command line lowers a cap
    path = make(Path(directory))
    argv = [a.format(path=path) for a in CLI_CASES[case]]
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue(), words


@pytest.mark.parametrize("case", CLI_CASES)
def test_a_hostile_file_on_the_command_line_is_one_line_and_no_traceback(case, tmp_path):
    code, err, words = refuse_on_the_command_line(case, tmp_path)
    print(f"\n  {case}: exit {code}\n    {err.strip()}")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err and words in err


def test_every_hostile_file_on_the_command_line_in_a_fresh_process(tmp_path):
    code = ("import sys, tempfile, resource; sys.path.insert(0, sys.argv[1])\n"
            "import test_budgets as t\n"
            "for case in t.CLI_CASES:\n"
            "    with tempfile.TemporaryDirectory(dir=sys.argv[2]) as d:\n"
            "        status, err, words = t.refuse_on_the_command_line(case, d)\n"
            "        assert status == 1 and 'Traceback' not in err and words in err, err\n"
            "print(len(t.CLI_CASES), next(line.split()[1] for line in open('/proc/self/status')\n"
            "                            if line.startswith('VmHWM:')))\n")
    child = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(tmp_path)],
                           capture_output=True, text=True, timeout=300,
                           env={**os.environ, "MPLBACKEND": "Agg"})
    assert child.returncode == 0, child.stderr[-3000:]
    n, peak = map(int, child.stdout.split()[-2:])
    peak *= 1024  # VmHWM (the child's own peak; ru_maxrss keeps the parent's) is in kB
    print(f"\n  {n} hostile files refused by tinysae show / train --resume; peak resident "
          f"memory {peak / MB:.0f} MB")
    assert n == len(CLI_CASES) >= 15 and peak < CLI_RSS_LIMIT


# ----------------------------------------------------------------------------- one home for the caps

def test_every_refusal_names_its_cap_and_how_to_raise_it(tmp_path):
    messages = []
    for i, case in enumerate(hostile.CASES):
        if "MAX_" in hostile.CASES[case][2] or "TEXT_BYTES" in hostile.CASES[case][2]:
            (tmp_path / str(i)).mkdir()
            messages.append(hostile.refuse(case, tmp_path / str(i))[0])
    assert len(messages) >= 12
    for message in messages:
        name = next(n for n in budgets.CAPS if n in message)
        assert f"TINYSAE_{name}" in message or "max_parameters=" in message, message


def test_a_cap_can_be_raised_from_the_environment(monkeypatch):
    try:
        monkeypatch.setenv("TINYSAE_MAX_IDX_BYTES", "4_000")
        assert importlib.reload(budgets).MAX_IDX_BYTES == 4000
        monkeypatch.setenv("TINYSAE_MAX_IDX_BYTES", "lots")
        with pytest.raises(ValueError, match="TINYSAE_MAX_IDX_BYTES must be a positive integer"):
            importlib.reload(budgets)
    finally:
        monkeypatch.delenv("TINYSAE_MAX_IDX_BYTES")
        importlib.reload(budgets)
    assert budgets.MAX_IDX_BYTES == 2 ** 30


def test_the_caps_live_in_one_module():
    """No other module defines a cap of its own (a second copy would be the one not raised)."""
    package = Path(budgets.__file__).resolve().parents[1]
    for path in package.rglob("*.py"):
        if path.name == "budgets.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in budgets.CAPS:
            assert f"\n{name} = " not in text, f"{path} defines {name}"


# ----------------------------------------------------------------------------- stated peaks

def test_reading_an_idx_file_at_its_cap_costs_the_array_not_twice_it(tmp_path, monkeypatch):
    n_bytes = 16 * MB
    monkeypatch.setattr(budgets, "MAX_IDX_BYTES", n_bytes)
    path = tmp_path / "x-idx1-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(bytes([0, 0, 0x08, 1]) + struct.pack(">I", n_bytes))
        for _ in range(n_bytes // MB):
            f.write(bytes(MB))
    from tinysae import load_mnist_idx
    tracemalloc.start()
    try:
        array = load_mnist_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\n  IDX of {n_bytes / MB:.0f} MB: peak {peak / MB:.1f} MB")
    assert array.shape == (n_bytes,) and array.flags.writeable
    assert peak < n_bytes + 4 * MB  # was 2x: a growing buffer, then a copy


def test_an_idx_file_of_big_endian_floats_comes_back_native_and_exact(tmp_path):
    values = np.random.default_rng(0).standard_normal((5, 3))
    path = tmp_path / "f-idx2"
    path.write_bytes(bytes([0, 0, 0x0E, 2]) + struct.pack(">II", 5, 3)
                     + values.astype(">f8").tobytes())
    from tinysae import load_mnist_idx
    loaded = load_mnist_idx(path)
    assert loaded.dtype == np.float64 and loaded.dtype.isnative
    assert np.array_equal(loaded, values)


def test_the_corpus_reads_text_as_read_text_does(tmp_path):
    from tinysae.networks.corpus import read_corpus_file
    path = tmp_path / "a.py"
    path.write_bytes(b"one\r\ntwo\rthree\n\xff\xfe caf\xc3\xa9\n")
    assert read_corpus_file(path) == path.read_text(encoding="utf-8", errors="replace")


def test_text_to_ids_in_chunks_is_the_same_as_at_once(monkeypatch):
    from tinysae.networks import corpus
    text = "déjà vu\tx = 1\n" * 1000
    whole = corpus.text_to_ids(text)
    monkeypatch.setattr(corpus, "_CHUNK", 7)
    assert np.array_equal(corpus.text_to_ids(text), whole)
    assert corpus.ids_to_text(whole) == text.replace("é", corpus.OTHER).replace(
        "à", corpus.OTHER).replace("\t", corpus.OTHER)


@pytest.mark.parametrize("ids", [np.array([1.5]), np.array([True]), ["a"]])
def test_ids_to_text_names_its_parameter_for_ids_that_are_not_integers(ids):
    from tinysae.networks import ids_to_text
    with pytest.raises(TypeError, match="'ids' parameter must be an array of integer ids"):
        ids_to_text(ids)
