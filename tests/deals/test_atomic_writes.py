"""Writes are whole or absent: kill -9 while chipdeals writes a file (a deal file, an image, a
workbook, a folder of CSV tables) and the file there is the old one or the new one, never a
truncated one; a failing write leaves no temporary file behind."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import deals
from games.writing import check_writable, replacing, replacing_files, write_text

ROOT = Path(__file__).resolve().parents[2]

# A child writes the same target over and over, alternating two versions; the test kills it
# at random moments. Each kind is written by the tool's own function.
WRITER = textwrap.dedent("""
    import sys, itertools
    kind, target = sys.argv[1], sys.argv[2]
    import matplotlib
    matplotlib.use("Agg")
    import deals
    from deals.views.output import Section, write_tables
    from deals.views.export import write_xlsx
    from deals.views.plots import save_figure
    import pandas as pd
    deal = deals.load("gulf-divestment-uae")
    def sections(n):
        frame = pd.DataFrame({"x": range(n), "y": [0.5] * n})
        return [Section(f"t{k}", frame, "caption", name=f"t{k}") for k in range(5)]
    small, big = sections(50), sections(20_000)
    print("ready", flush=True)
    for version in itertools.cycle((0, 1)):
        if kind == "deal":
            from dataclasses import replace
            deals.dump(replace(deal, title=("A" if version else "B") * 200_000), target)
        elif kind == "image":
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(12, 12))
            ax.plot(range(20_000 if version else 30_000))
            save_figure(fig, target, "--plot")
        elif kind == "workbook":
            write_xlsx(big if version else small, target)
        elif kind == "tables":
            write_tables(big if version else small, target)
""")


def _whole(kind: str, target: Path) -> None:
    """The target is a complete file (or folder) of one of the writer's versions."""
    if kind == "deal":
        assert deals.load(target).title in ("A" * 200_000, "B" * 200_000)
    elif kind == "image":
        data = target.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")
    elif kind == "workbook":
        import openpyxl

        assert len(openpyxl.load_workbook(target).sheetnames) == 5
    elif kind == "tables":
        files = sorted(p.name for p in target.iterdir() if not p.name.startswith("."))
        assert files == [f"t{k}.csv" for k in range(5)]
        for p in target.glob("*.csv"):
            lines = p.read_text().splitlines()
            assert lines[-1].startswith(("49,", "19999,")), p  # the last row is there


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("kind, name", [("deal", "deal.toml"), ("image", "plot.png"),
                                        ("workbook", "book.xlsx"), ("tables", "tables")])
def test_kill_9_while_writing_leaves_the_old_file_or_the_new_one(tmp_path, kind, name):
    target = tmp_path / name
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(0)
    for round_ in range(4):
        child = subprocess.Popen([sys.executable, "-c", WRITER, kind, str(target)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert child.stdout.readline().strip() == "ready"
            while not target.exists():  # the first version is in place
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.6))
            child.send_signal(signal.SIGKILL)
            child.wait()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        _whole(kind, target)
    # what a killed writer leaves is a hidden temporary file, never the target's name
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {name}


def test_an_error_while_writing_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(ZeroDivisionError):
        with replacing(target) as out:
            out.write(b"new, half")
            1 / 0
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_folder_of_outputs_is_all_or_nothing(tmp_path):
    folder = tmp_path / "audit"
    replacing_files(folder, {"a.csv": lambda f: f.write(b"1\n"), "b.csv": lambda f: f.write(b"2\n")})
    (folder / "mine.txt").write_text("the user's own file")

    def fails(f):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        replacing_files(folder, {"a.csv": lambda f: f.write(b"new\n"), "b.csv": fails})
    assert (folder / "a.csv").read_text() == "1\n"  # not 1 of 2 new files
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "b.csv", "mine.txt"]
    with pytest.raises(OSError):
        replacing_files(tmp_path / "fresh", {"a.csv": fails})
    assert not (tmp_path / "fresh").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit"]


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "new.txt", "x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        (tmp_path / "new.txt").chmod(0o600)
        write_text(tmp_path / "new.txt", "y")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(mask)


def test_output_paths_are_checked_before_the_work(tmp_path, capsys, monkeypatch):
    from deals.cli.commands import main

    (tmp_path / "file").write_text("")
    assert check_writable(tmp_path / "file", folder=True) == "it is a file, not a folder"
    assert "does not exist" in check_writable(tmp_path / "no" / "out.xlsx")

    def never(*args, **kwargs):  # the audit must not start
        raise AssertionError("the work started before the output path was checked")

    monkeypatch.setattr(deals, "assess", never)
    for output in (str(tmp_path / "no" / "out.xlsx"), str(tmp_path / "file"),
                   str(tmp_path / "results.csv")):
        assert main(["assess", "gulf-divestment-uae", "--output", output]) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and "--output" in err
    assert main(["frontier", "gulf-divestment-uae", "--plot", str(tmp_path / "no/x.png")]) == 2
    assert "--plot" in capsys.readouterr().err
