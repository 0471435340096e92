"""The DSP and output nodes' code-size tables stay calibrated against the real compiled kernels."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nodes import dsp, dsp_image, outputs

RUNTIME = Path(__file__).resolve().parents[2] / "codegen" / "runtime"
CALL_SITE_BYTES = 40  # the estimate includes the kernel's call in pipeline.c
ESTIMATES = {**dsp.CODE_BYTES, **dsp_image.CODE_BYTES,
             **{k: v for k, v in outputs.CODE_BYTES.items() if (RUNTIME / f"{k}.c").is_file()}}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")]


@pytest.fixture(scope="module")
def text_bytes(tmp_path_factory) -> dict[str, int]:
    out = tmp_path_factory.mktemp("kernels")
    sources = [str(RUNTIME / f"{k}.c") for k in ESTIMATES]
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16",
                    "-std=gnu11", "-Os", "-ffunction-sections", "-fdata-sections", f"-I{RUNTIME}",
                    f"-I{RUNTIME / 'dsp'}", "-c", *sources], cwd=out, check=True, capture_output=True)
    sizes = subprocess.run(["arm-none-eabi-size", *sorted(str(p) for p in out.glob("*.o"))],
                           check=True, capture_output=True, text=True).stdout.splitlines()[1:]
    by_stem = {Path(line.split()[-1]).stem: int(line.split()[0]) for line in sizes}
    return {k: by_stem[k.split("/", 1)[1]] for k in ESTIMATES}


@pytest.mark.parametrize("kernel", sorted(ESTIMATES))
def test_code_size_estimate_is_within_a_quarter_of_the_compiled_kernel(kernel, text_bytes):
    measured = text_bytes[kernel] + CALL_SITE_BYTES
    assert 0.75 * measured <= ESTIMATES[kernel] <= 1.25 * measured, (kernel, measured)
