"""The lessons' run times, made from one measurement: ``python .ci/lesson_times.py TIMES``.

``TIMES`` is what ``tinysae bench --lessons > TIMES`` printed (every lesson's full run, one
after another). From it this rewrites the three places that state a lesson's run time, so
that they always agree: the table at the top of ``lessons/README.md`` (between the marker
lines below), the ``Run time:`` line of each lesson's section there, and the ``Full run:``
line of each lesson's docstring. ``tests/test_lessons.py`` checks that they agree.
"""

import datetime
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
GALLERY = LESSONS / "README.md"
BEGIN = "<!-- lesson times: made by `python .ci/lesson_times.py`; do not edit by hand -->"
END = "<!-- /lesson times -->"
HEADER = re.compile(r"^## Lessons: full runs.*?(\d+) cpus, load average ([\d.]+)", re.M)
ROW = re.compile(r"^(\d\d)_(\w+)\s+([\d.]+)\s+([\d.]+)\s+ok$", re.M)


def seconds(value):
    """``7.6 s``, ``56 s``, ``3 min 9 s``: as a person reads a wait."""
    if value < 10:
        return f"{value:.1f} s"
    return f"{value:.0f} s" if value < 59.5 else f"{round(value) // 60} min {round(value) % 60} s"


def run_time_line(wall, cpu, cpus):
    """The ``Run time:`` line of a lesson's section in the gallery."""
    return f"Run time: {seconds(wall)} on {cpus} cores ({seconds(cpu)} of CPU)."


def full_run_line(number, wall, cpu, cpus):
    """The ``Full run:`` line of a lesson's docstring."""
    return (f"Full run:  {seconds(wall)} on {cpus} cores, {seconds(cpu)} of CPU "
            f"(`tinysae bench --lessons {number}`).")


def read_times(path):
    """``(cpus, load, day, {number: (name, wall, cpu)})`` from ``tinysae bench --lessons``."""
    text = Path(path).read_text()
    header = HEADER.search(text)
    rows = {m[1]: (f"{m[1]}_{m[2]}", float(m[3]), float(m[4])) for m in ROW.finditer(text)}
    if header is None or not rows:
        sys.exit(f"{path} is not the output of `tinysae bench --lessons` (or a lesson failed)")
    day = datetime.date.fromtimestamp(Path(path).stat().st_mtime).isoformat()
    return int(header[1]), float(header[2]), day, rows


def table(cpus, load, day, rows):
    """The markdown table of every lesson's wall and CPU time."""
    lines = [f"Measured on {day} by `tinysae bench --lessons` on {cpus} cores, one lesson at a",
             f"time (load average {load:.2f} at the start):", "",
             "| lesson | wall | CPU |", "|---|---|---|"]
    lines += [f"| {name} | {seconds(wall)} | {seconds(cpu)} |"
              for name, wall, cpu in rows.values()]
    return "\n".join(lines)


def rewrite_gallery(gallery, times):
    """The gallery with its table and each section's ``Run time:`` line made from ``times``."""
    cpus, load, day, rows = times
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(gallery):
        sys.exit(f"{GALLERY} lacks the markers {BEGIN} ... {END}")
    gallery = pattern.sub(lambda _: f"{BEGIN}\n{table(cpus, load, day, rows)}\n{END}", gallery)
    sections = re.split(r"(?m)^(?=## \d\d )", gallery)
    for i, section in enumerate(sections):
        number = section[3:5]
        if number in rows:
            _, wall, cpu = rows[number]
            sections[i] = re.sub(r"(?m)^Run time: .*$", run_time_line(wall, cpu, cpus), section)
    return "".join(sections)


def main(path):
    times = read_times(path)
    gallery = GALLERY.read_text()
    new_gallery = rewrite_gallery(gallery, times)
    GALLERY.write_text(new_gallery)
    cpus, rows = times[0], times[3]
    for number, (name, wall, cpu) in rows.items():
        script = LESSONS / f"{name}.py"
        text = script.read_text()
        new = re.sub(r"(?m)^Full run: .*$", full_run_line(number, wall, cpu, cpus), text, count=1)
        script.write_text(new)
        print(f"{script.name}: {'unchanged' if new == text else 'rewritten'}")
    print(f"{GALLERY.relative_to(ROOT)}: {'unchanged' if new_gallery == gallery else 'rewritten'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tinysae bench --lessons > TIMES && python .ci/lesson_times.py TIMES")
    main(sys.argv[1])
