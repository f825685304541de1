"""No write follows a planted link: a symbolic link at any file tinysae writes is refused,
kept or replaced, never written through.

Each test plants, at every file a command writes, a link to a *victim* file outside the
folder (which must keep its bytes) and a dangling link to a file that must never be
created; then runs the command and checks both.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tinysae import init_params
from tinysae.cli import main
from tinysae.runtime.locks import LOCK_FILE, run_folder_lock
from tinysae.training.model_files import save

VICTIM_TEXT = b"the victim's own bytes\n"

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


@pytest.fixture
def victims(tmp_path):
    """``plant(folder, names)``: a link at each name, alternately to an existing victim file
    and to a file that does not exist; ``untouched()`` checks that no link was followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = []

    def plant(folder, names):
        folder.mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            target = outside / f"victim-{len(planted)}"
            if i % 2 == 0:
                target.write_bytes(VICTIM_TEXT)
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, folder / name)
            planted.append((folder / name, target, i % 2 == 0))

    def untouched():
        for link, target, existed in planted:
            if existed:
                assert target.read_bytes() == VICTIM_TEXT, f"written through {link}"
            else:
                assert not target.exists(), f"{target} created through {link}"
        return len(planted)
    plant.untouched = untouched
    return plant


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    ours = [line for line in err.splitlines()  # not the oldest matplotlib's pyparsing notes
            if not (line.startswith("tinysae: warning: '") and "deprecated" in line)]
    assert "Traceback" not in err and len(ours) <= 1, err
    return code, out, err


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(folder / name)
    return folder


RUN_FILES = ["config.json", "filters.png", "loss.png", ".tinysae-write-test"]


def test_train_replaces_links_at_its_files(tmp_path, photos, victims, capsys):
    out = tmp_path / "run"
    victims(out, RUN_FILES)
    code, _, err = run(["train", "--images", str(photos), "--n-patches", "300", "--n-hidden",
                        "4", "--max-iter", "3", "-q", "--out", str(out)], capsys)
    assert code == 0, err
    assert victims.untouched() == len(RUN_FILES)
    assert not any((out / name).is_symlink() for name in ("config.json", "filters.png", "loss.png"))


def test_train_refuses_a_model_file_that_is_a_link(tmp_path, photos, victims, capsys):
    out = tmp_path / "run"
    victims(out, ["model.npz"])
    code, _, err = run(["train", "--images", str(photos), "--n-patches", "300", "--n-hidden",
                        "4", "--max-iter", "3", "-q", "--out", str(out)], capsys)
    assert code == 2 and "already holds a model" in err
    assert victims.untouched() == 1


@pytest.mark.parametrize("dangling", [False, True], ids=["to a file", "dangling"])
def test_a_link_at_the_lock_file_is_refused_not_written_through(tmp_path, photos, victims,
                                                                 capsys, dangling):
    out = tmp_path / "run"
    victims(out, ["x"] if dangling else [])  # the first planted link points at a real file
    victims(out, [LOCK_FILE])
    with pytest.raises(OSError, match="symbolic link"):
        with run_folder_lock(out):
            pass
    code, _, err = run(["train", "--images", str(photos), "--n-patches", "300", "--n-hidden",
                        "4", "--max-iter", "3", "-q", "--out", str(out)], capsys)
    assert code == 1 and "symbolic link" in err and LOCK_FILE in err
    victims.untouched()
    assert (out / LOCK_FILE).is_symlink()


def test_a_fifo_at_the_lock_file_is_refused_without_waiting(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    os.mkfifo(folder / LOCK_FILE)
    with pytest.raises(OSError, match="not a regular file"):
        with run_folder_lock(folder):
            pass


def test_show_replaces_links_at_its_pictures(tmp_path, victims, capsys):
    folder = tmp_path / "model"
    folder.mkdir()
    save(folder / "model.npz", init_params(64, 4, rng=0),
         {"n_visible": 64, "n_hidden": 4, "history": [3.0, 2.0, 1.0]})
    names = ["filters.png", "loss.png", "rho_hat.png", "decoder_filters.png"]
    victims(folder, names)
    victims(tmp_path / "pictures", names)
    assert run(["show", str(folder)], capsys)[0] == 0
    assert run(["show", str(folder), "--weights", "W2T", "--out", str(tmp_path / "pictures")],
               capsys)[0] == 0
    assert victims.untouched() == 8


def test_lessons_keep_links_and_never_write_through_them(tmp_path, victims, capsys):
    folder = tmp_path / "mine"
    names = [p.name for p in sorted(LESSONS.glob("0*.py"))[:2]] + ["figures/default_filters.png"]
    victims(folder / "lessons", names)
    code, out, _ = run(["lessons", str(folder)], capsys)
    assert code == 0 and f"Kept {len(names)} files" in out
    assert victims.untouched() == 3
    assert all((folder / "lessons" / name).is_symlink() for name in names)


def test_lessons_refuse_a_linked_folder_inside(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "mine" / "lessons").mkdir(parents=True)
    os.symlink(elsewhere, tmp_path / "mine" / "lessons" / "figures")
    code, _, err = run(["lessons", str(tmp_path / "mine")], capsys)
    assert code == 1 and "symbolic link" in err
    assert not any(elsewhere.iterdir())


def test_notebooks_keep_links_or_replace_them_with_force(tmp_path, victims, capsys):
    pytest.importorskip("jupytext")
    folder = tmp_path / "nb"
    names = [p.stem + ".ipynb" for p in sorted(LESSONS.glob("0*.py"))[:2]]
    victims(folder, names)
    argv = ["notebooks", str(folder), "--lessons", str(LESSONS)]
    code, out, _ = run(argv, capsys)
    assert code == 0 and "Kept 2 notebooks" in out
    assert victims.untouched() == 2
    assert run(argv + ["--force"], capsys)[0] == 0
    assert victims.untouched() == 2
    assert not any((folder / name).is_symlink() for name in names)


def test_exercises_refuse_a_link_at_any_of_their_files(tmp_path, victims, capsys):
    from tinysae.exercises.starter import files

    for i, name in enumerate(files()):
        folder = tmp_path / f"ex{i}"
        victims(folder, [name])
        code, _, err = run(["exercises", str(folder)], capsys)
        assert code == 1 and "exists already" in err
    assert victims.untouched() == len(files())


@pytest.mark.parametrize("writer", ["npz", "safetensors"])
def test_the_export_replaces_links_at_its_files(tmp_path, victims, monkeypatch, writer):
    import tinysae.modern.export as export
    from tinysae.modern import init_sae, load_saelens

    if writer == "safetensors":
        pytest.importorskip("safetensors")
    else:
        monkeypatch.setattr(export, "_safetensors", lambda: None)
    folder = tmp_path / "sae"
    names = ["cfg.json", f"sae_weights.{writer}", export.CHECK_INPUTS_FILE,
             export.CHECK_LATENTS_FILE]
    victims(folder, names)
    params = init_sae(6, 10, np.random.default_rng(0))
    export.export_saelens(params, folder)
    assert victims.untouched() == len(names)
    np.testing.assert_allclose(load_saelens(folder)[0]["W1"], params["W1"], atol=1e-6)
