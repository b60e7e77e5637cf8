"""Picture a pull-request report as a reviewer sees it, for the template's README.

A maintainer's tool, run by hand after `make demo`; neither the tests nor the generated project use it, so its
prerequisites are not in requirements.txt:

    .venv/bin/pip install markdown==3.11.3
    apt-get install chromium

    (cd build/demo/wine-classifier && ../../demo-venv/bin/python -m wine_classifier report --base main \
        --output pr_comment.md --pictures-url https://github.com/octo-org/wine-classifier/actions/runs/4242)
    .venv/bin/python scripts/report_picture.py build/demo/wine-classifier/pr_comment.md docs/report.png

The README shows a real report rather than a mock-up, so this renders the demo's report, written as CI posts it
(the pictures left in the run's artifact), the way GitHub renders a comment, screenshots it with headless
Chromium, and trims the page to the comment. The report's text is kept beside the picture (docs/report.md) and
the picture carries its SHA-256: the demo's test writes the same report again and compares, so a change to the
report that the picture does not show fails the suite until the picture is redrawn.
"""

import argparse
import hashlib
import html
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import markdown
from PIL import Image, ImageChops, PngImagePlugin

WIDTH = 900
PAGE_HEIGHT = 4000  # generous: the screenshot is trimmed to the comment afterwards
MARGIN = 12  # white border kept around the comment after trimming

# The PNG text key that holds the SHA-256 of the report the picture shows.
SOURCE_KEY = "Source-SHA256"

logger = logging.getLogger("report_picture")

# A compact take on GitHub's markdown style, inside a comment box.
CSS = """
html, body { margin: 0; background: #ffffff; }
body { padding: 12px; }
.comment { border: 1px solid #d0d7de; border-radius: 6px; padding: 16px 20px 8px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, "Liberation Sans",
    sans-serif;
  font-size: 14px; line-height: 1.5; color: #1f2328; }
h2, h3 { font-weight: 600; line-height: 1.25; margin: 20px 0 12px; }
h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; margin-top: 0; }
h3 { font-size: 1.25em; }
p { margin: 0 0 14px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
  font-size: 85%; padding: .2em .4em; background: rgba(129, 139, 152, .12); border-radius: 6px; }
table { border-collapse: collapse; border-spacing: 0; margin: 0 0 14px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d1d9e0; padding: 4px 13px; }
th { font-weight: 600; }
tbody tr:nth-child(2n) { background: #f6f8fa; }
table:has(img) { width: 100%; table-layout: fixed; }
table:has(img) tr { background: #ffffff; }
td img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
"""


def report_html(report: Path) -> str:
    """The report as a standalone page whose relative image paths resolve beside the report."""
    body = markdown.markdown(report.read_text(encoding="utf-8"), extensions=["tables"], output_format="html")
    base = report.resolve().parent.as_uri() + "/"
    return (
        "<!DOCTYPE html>\n"
        f'<html><head><meta charset="utf-8"><base href="{html.escape(base, quote=True)}">'
        f"<title>{html.escape(report.name)}</title><style>{CSS}</style></head>\n"
        f'<body><div class="comment">\n{body}\n</div></body></html>\n'
    )


def screenshot(page: Path, out: Path, chromium: str) -> None:
    """Headless Chromium, isolated from the network and any profile, writes the page as a PNG."""
    with tempfile.TemporaryDirectory(prefix="report-picture-profile-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{PAGE_HEIGHT}",
            f"--screenshot={out}",
            page.as_uri(),
        ]
        logger.info("$ %s", " ".join(command))
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    if not out.is_file():
        raise RuntimeError(f"chromium wrote no screenshot to {out}")


def trim(png: Path, source_sha256: str) -> None:
    """Cut the blank page below the comment, keep a small margin, and store the PNG compactly, labelled with the
    SHA-256 of the report it shows.
    """
    with Image.open(png) as shot:
        image = shot.convert("RGB")
    blank = Image.new("RGB", image.size, (255, 255, 255))
    box = ImageChops.difference(image, blank).getbbox()
    if box is None:
        raise RuntimeError(f"{png} is blank: the page did not render")
    bottom = min(image.height, box[3] + MARGIN)
    if bottom >= image.height:
        logger.warning("the report fills the %dpx page: raise PAGE_HEIGHT if it is cut off", PAGE_HEIGHT)
    cropped = image.crop((0, 0, image.width, bottom))
    # A 256-colour palette keeps text and plots crisp at a fraction of the RGB size.
    label = PngImagePlugin.PngInfo()
    label.add_text(SOURCE_KEY, source_sha256)
    cropped.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True, pnginfo=label)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a report.md, with its images where it references them")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--chromium", default="chromium", help="the Chromium binary (default: %(default)s)")
    args = parser.parse_args()

    chromium = shutil.which(args.chromium)
    if chromium is None:
        logger.error("no %s on PATH: apt-get install chromium", args.chromium)
        sys.exit(1)
    report: Path = args.report.resolve()
    out: Path = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="report-picture-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(report_html(report), encoding="utf-8")
        try:
            screenshot(page, out, chromium)
        except subprocess.CalledProcessError as error:
            logger.error("chromium exited with %d: %s", error.returncode, error.stderr.decode(errors="replace"))
            sys.exit(1)
    text = report.read_bytes()
    trim(out, hashlib.sha256(text).hexdigest())
    out.with_suffix(".md").write_bytes(text)
    with Image.open(out) as picture:
        logger.info("wrote %s (%dx%d, %d bytes)", out, picture.width, picture.height, out.stat().st_size)


if __name__ == "__main__":
    main()
