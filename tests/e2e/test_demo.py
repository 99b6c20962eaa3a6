"""``flashsale demo`` end to end: a real server, a real crowd over HTTP, a clean audit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = [
    "demo",
    "--fans",
    "300",
    "--stock",
    "100",
    "--opens-in",
    "2",
    "--port",
    "0",
    "--payment-window",
    "4",
    "--seed",
    "2015",
    "--exit-after-sale",
]
DEMO_SECONDS_LIMIT = 90  # generous: two shared cores; the run itself takes ~15 s


@pytest.mark.slow
def test_demo_sells_out_cleanly_and_exits(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLASHSALE_")}
    env["COLUMNS"] = "200"
    result = subprocess.run(
        [sys.executable, "-c", "from flashsale.cli.app import main; main()", *DEMO],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_SECONDS_LIMIT,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    # Links a browser opens: the API's index, not /api/v1 (404); the console's audit, not the
    # API's (401). tests/e2e/browser/test_demo_links_browser.py opens them.
    api = re.search(r"API\s+(http://127\.0\.0\.1:(\d+))/docs", output)
    assert api is not None, output
    base = api.group(1)
    assert int(api.group(2)) > 0
    sale = re.search(rf"Sale page\s+{re.escape(base)}/sales/(sale_[0-9a-f]+)", output)
    assert sale is not None, output
    assert f"{base}/console/sales/{sale.group(1)}#audit" in output
    assert "/api/v1" not in output
    assert re.search(r"Admin token\s+\S{16,}", output), output

    assert "Sale audit: clean" in output
    assert "What the crowd checked: ok" in output
    assert re.search(r"oversold\s+│\s+0", output), output
    # The crowd bought everything: the walkers-away's units went back and sold again.
    assert re.search(r"fans registered\s+300 of 300", output), output
    assert re.search(r"expired \(went back on sale\)\s+│\s+[1-9]", output), output
    assert (tmp_path / "flashsale-demo.db").exists()
