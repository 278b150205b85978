"""Screenshots of report.html and matrix.html for the README (docs/report.png, docs/matrix.png),
taken with the system's headless Chromium.

    python scripts/screenshots.py REPORT_DIR/report.html reports/matrix.json docs/

matrix.html is rendered afresh from matrix.json with the current template (``--write-matrix``
also rewrites the matrix.html next to that json).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def shoot(page: Path, out: Path, height: int) -> None:
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        raise SystemExit("screenshots: no Chromium on PATH (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--window-size=1280,{height}", f"--screenshot={out}",
                        page.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    print(f"wrote {out}")


def main() -> int:
    import json

    from conformance.report.matrix import write_matrix_html

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_html", type=Path)
    parser.add_argument("matrix_json", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--write-matrix", action="store_true")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    data = json.loads(args.matrix_json.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        matrix = args.matrix_json.with_suffix(".html") if args.write_matrix else Path(tmp) / "matrix.html"
        write_matrix_html(data, matrix)
        shoot(matrix, args.out_dir / "matrix.png", 900)
    shoot(args.report_html, args.out_dir / "report.png", 1100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
