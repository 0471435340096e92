"""Reading sizes from arm-none-eabi-size, explaining build failures, and finding the toolchain."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.device import build, toolchain
from studio.device.build import BuildError, parse_size_output
from studio.device.toolchain import ToolMissing, find_tool

_SIZES = st.integers(0, 2**31)


def _size_a_text(sections: dict[str, int]) -> str:
    lines = ["build/firmware.elf  :", "section            size         addr"]
    addr = 0
    for name, size in sections.items():
        lines.append(f"{name:<18} {size:>8} {addr:>12}")
        addr += size
    lines.append(f"Total {sum(sections.values()):>8}")
    return "\n".join(lines) + "\n"


@given(boot2=_SIZES, vectors=_SIZES, text=_SIZES, exidx=_SIZES, data=_SIZES, bss=_SIZES, stack=_SIZES,
       debug=_SIZES)
def test_size_output_sums_flash_sections_and_ignores_debug_info(boot2, vectors, text, exidx, data, bss, stack, debug):
    out = _size_a_text({".boot2": boot2, ".isr_vector": vectors, ".text": text, ".ARM.exidx": exidx,
                        ".data": data, ".bss": bss, ".stack": stack, ".debug_info": debug, ".comment": 30})
    sizes = parse_size_output(out)
    assert sizes.text_bytes == boot2 + vectors + text + exidx
    assert (sizes.data_bytes, sizes.bss_bytes, sizes.stack_bytes) == (data, bss, stack)
    assert sizes.flash_bytes == sizes.text_bytes + data and sizes.ram_bytes == data + bss


def test_size_output_without_sections_is_a_build_error():
    with pytest.raises(BuildError, match="section sizes"):
        parse_size_output("arm-none-eabi-size: 'x.elf': No such file\n")


def test_ram_overflow_is_explained_as_not_fitting_the_board():
    log = "ld: build/firmware.elf section `.stack' will not fit in region `RAM'\nld: region `RAM' overflowed by 1234 bytes\n"
    assert build._explain_failure(log).startswith(
        "the firmware does not fit the board: it overflows RAM (data + bss + stack) by 1234 bytes")


def test_compiler_error_is_explained_with_the_compiler_line():
    log = ("make: Entering directory '/tmp/error_dir'\n"
           "src/pipeline.c:40:9: error: 'nope' undeclared (first use in this function)\n")
    assert build._explain_failure(log) == (
        "the firmware does not compile: src/pipeline.c:40:9: error: 'nope' undeclared (first use in this function)")


def test_missing_tool_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissing, match="apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi"):
        find_tool("arm-none-eabi-gcc")


def test_missing_toolchain_makes_build_firmware_fail_before_running_make(monkeypatch, tmp_path):
    (tmp_path / "Makefile").write_text("all:\n\ttrue\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolMissing):
        build.build_firmware(tmp_path)


def test_installed_toolchain_is_found_with_newlib_nano():
    tools = toolchain.arm_toolchain()
    assert tools.prefix.endswith("arm-none-eabi-")
