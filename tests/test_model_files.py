"""Saving and loading models: exact round trips, atomic writes, and untrusted files."""

import json
import zipfile

import numpy as np
import pytest

from tinysae import init_params
from tinysae.training.model_files import CONFIG_FILE, MODEL_FILE, load, save, save_run

N_VISIBLE, N_HIDDEN = 6, 3


@pytest.fixture
def model():
    params = init_params(N_VISIBLE, N_HIDDEN, rng=0)
    params["b1"] = np.array([0.1, -1e-300, 1 / 3])  # awkward floats must survive exactly
    config = {"n_visible": N_VISIBLE, "n_hidden": N_HIDDEN, "weight_decay": 1e-4,
              "history": [48.0, 0.1 + 0.2, 1e-17], "data": {"images": "default", "path": None},
              "name": "ρ̂ ünïcode"}
    return params, config


def _write_npz(path, compressed=False, **arrays):
    with open(path, "wb") as f:
        (np.savez_compressed if compressed else np.savez)(f, **arrays)


def _rename_entry(source, path, old, new):
    """Copy the archive ``source`` to ``path``, its entry ``old`` renamed ``new``."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(new if info.filename == old else info.filename, zin.read(info))


def _write_npy(path, array):
    with open(path, "wb") as f:  # a file object: np.save would append ".npy" to the name
        np.save(f, array)


def test_round_trip_is_exact(model, tmp_path):
    params, config = model
    path = save(tmp_path / "m.npz", params, config)
    loaded, loaded_config = load(path)
    assert loaded_config == config
    for key in params:
        assert loaded[key].dtype == params[key].dtype
        assert np.array_equal(loaded[key], params[key])


def test_round_trip_keeps_float32(model, tmp_path):
    params, config = model
    params = {k: v.astype(np.float32) for k, v in params.items()}
    loaded, _ = load(save(tmp_path / "m.npz", params, config))
    assert all(loaded[k].dtype == np.float32 and np.array_equal(loaded[k], params[k])
               for k in params)


def test_file_opens_with_plain_numpy_and_no_pickle(model, tmp_path):
    params, config = model
    path = save(tmp_path / "m.npz", params, config)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["W1", "W2", "b1", "b2", "config", "format"]
        assert json.loads(npz["config"].tobytes().decode()) == config


def test_save_run_writes_model_and_readable_config(model, tmp_path):
    params, config = model
    save_run(tmp_path, params, config)
    assert json.loads((tmp_path / CONFIG_FILE).read_text(encoding="utf-8")) == config
    assert load(tmp_path)[1] == config  # a run folder loads as its model.npz
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_FILE, MODEL_FILE]  # no temp files


def test_failed_save_leaves_previous_file_intact(model, tmp_path):
    params, config = model
    path = save(tmp_path / "m.npz", params, config)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="config"):
        save(path, params, {**config, "bad": np.float32(1)})  # not a JSON value
    with pytest.raises(ValueError, match=r"params\['W1'\]"):
        save(path, {**params, "W1": params["W1"].T}, config)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


@pytest.mark.parametrize("bad_config, error", [
    ({"n_visible": N_VISIBLE}, ValueError),                             # no n_hidden
    ({"n_visible": N_VISIBLE, "n_hidden": N_HIDDEN, "x": float("nan")}, TypeError),
    ([N_VISIBLE, N_HIDDEN], TypeError),                                 # not a dict
], ids=["missing-n_hidden", "nan-in-config", "config-not-a-dict"])
def test_save_rejects_bad_config(model, tmp_path, bad_config, error):
    with pytest.raises(error, match="config"):
        save(tmp_path / "m.npz", model[0], bad_config)


def test_save_rejects_bad_params(model, tmp_path):
    params, config = model
    with pytest.raises(TypeError, match="W1, W2, b1, b2"):
        save(tmp_path / "m.npz", {"W1": params["W1"]}, config)
    with pytest.raises(ValueError, match="finite"):
        save(tmp_path / "m.npz", {**params, "b2": np.full(N_VISIBLE, np.nan)}, config)
    with pytest.raises(TypeError, match="float"):
        save(tmp_path / "m.npz", {**params, "b2": np.zeros(N_VISIBLE, dtype=int)}, config)


# ----------------------------------------------------------------------------- untrusted files

def _corrupt_cases(tmp_path, params, config):
    """Each case: (file name, how to write it, words the error must contain)."""
    good = save(tmp_path / "good.npz", params, config)
    raw = good.read_bytes()
    text = np.frombuffer(json.dumps(config).encode(), dtype=np.uint8)
    fmt = np.frombuffer(b"tinysae-model/1", dtype=np.uint8)
    wrong = {**config, "n_hidden": N_HIDDEN + 1}
    return {
        "truncated": (lambda p: p.write_bytes(raw[: len(raw) // 2]), "truncated or corrupt"),
        "empty": (lambda p: p.write_bytes(b""), "not an .npz"),
        "text-file": (lambda p: p.write_text("hello, I am not a model\n"), "not an .npz"),
        "pickle-file": (lambda p: p.write_bytes(b"\x80\x04\x95" + bytes(20)), "not an .npz"),
        "flipped-bytes": (lambda p: p.write_bytes(raw[:200] + bytes(b ^ 0xFF for b in raw[200:400])
                                                  + raw[400:]), "valid tinysae model"),
        "foreign-npz": (lambda p: _write_npz(p, x=np.arange(3), y=np.ones(2)), "holds the arrays"),
        "single-npy": (lambda p: _write_npy(p, np.ones(3)), "single .npy"),
        "needs-pickle": (lambda p: _write_npz(p, **params, config=np.array([config], dtype=object),
                                              format=fmt), "pickle"),
        "sizes-mismatch-config": (lambda p: _write_npz(
            p, **params, config=np.frombuffer(json.dumps(wrong).encode(), dtype=np.uint8),
            format=fmt), "has shape (3, 6), but its config"),
        "no-format-marker": (lambda p: _write_npz(p, **params, config=text,
                                                  format=np.frombuffer(b"other/9", np.uint8)),
                             "format marker"),
        "config-not-json": (lambda p: _write_npz(p, **params, format=fmt,
                                                 config=np.frombuffer(b"{nope", np.uint8)),
                            "not valid JSON"),
        "integer-weights": (lambda p: _write_npz(p, **{**params, "W1": np.zeros((3, 6), int)},
                                                 config=text, format=fmt), "not a float dtype"),
        "nan-weights": (lambda p: _write_npz(p, **{**params, "b1": np.full(3, np.nan)},
                                             config=text, format=fmt), "NaN or inf"),
        # 20 MB of zeros deflated to a few kB (tinysae never writes compressed entries)
        "zip-bomb": (lambda p: _write_npz(p, compressed=True, config=text, format=fmt,
                                          **{**params, "W1": np.zeros((1000, 2500))}),
                     "is compressed (deflate)"),
    }


CORRUPT_CASES = ["truncated", "empty", "text-file", "pickle-file", "flipped-bytes",
                 "foreign-npz", "single-npy", "needs-pickle", "sizes-mismatch-config",
                 "no-format-marker", "config-not-json", "integer-weights", "nan-weights",
                 "zip-bomb"]


@pytest.mark.parametrize("case", CORRUPT_CASES)
def test_load_rejects_untrusted_file_with_clear_error(model, tmp_path, case):
    write, words = _corrupt_cases(tmp_path, *model)[case]
    path = tmp_path / f"{case}.npz"
    write(path)
    with pytest.raises(ValueError) as error:
        load(path)
    message = str(error.value)
    print(f"{case:>22}: {message}")
    assert str(path) in message and words in message


def test_an_entry_named_without_npy_suffix_is_read_by_its_content(model, tmp_path):
    params, config = model
    good = save(tmp_path / "good.npz", params, config)
    _rename_entry(good, tmp_path / "renamed.npz", "b1.npy", "b1")  # numpy reads it all the same
    loaded, _ = load(tmp_path / "renamed.npz")
    assert all(np.array_equal(loaded[k], params[k]) for k in params)


def test_load_missing_file_says_where(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file"):
        load(tmp_path / "nothing.npz")
    with pytest.raises(FileNotFoundError, match=MODEL_FILE):
        load(tmp_path)  # an empty folder


def test_truncated_zip_is_really_broken(model, tmp_path):
    """Sanity check of the test data: the truncated archive fails in zipfile too."""
    raw = save(tmp_path / "g.npz", *model).read_bytes()
    (tmp_path / "t.npz").write_bytes(raw[: len(raw) // 2])
    assert not zipfile.is_zipfile(tmp_path / "t.npz")
