"""examples/gpu_check.py --smoke: the script a lent GPU runs in one call works end to end (here on CPU)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "gpu_check.py"


def test_gpu_check_smoke_writes_every_part(tmp_path):
    pytest.importorskip("transformers")
    out = tmp_path / "gpu_check.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert set(report) >= {"device", "zero_shot", "fine_tune", "lora", "ddp"}
    assert report["zero_shot"]["finite"] and report["zero_shot"]["series_per_s"] > 0
    # on CPU the "device" forecasts are the CPU's own
    assert report["zero_shot"]["max_diff_vs_cpu_over_spread"] < 1e-5
    assert report["fine_tune"]["finite_after"] and report["lora"]["forecast_finite"]
    if not report["device"]["cuda"]:
        assert "skipped" in report["ddp"] and report["lora"]["qlora"] is False


def test_gpu_check_refuses_bad_arguments(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--only", "zero_shot,warp", "--out",
                           str(tmp_path / "x.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "unknown part(s) ['warp']" in done.stderr
