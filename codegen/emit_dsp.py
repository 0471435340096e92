"""The DSP nodes' C: one ``StageCode`` per node, running the hand-written kernels in codegen/runtime/dsp.

``emit_stage`` is the one entry point the pipeline generator calls for a DSP node. It checks the node
again (properties and shapes must be what ``infer`` says), picks the stage mode and lets the kernel's
emitter in ``codegen.emitters`` write the declarations (buffers, constant tables, state), the start-up
statements and the statements that run it.

Modes and flags, as ``codegen.stage`` describes them:
- a node whose input is a stream sample ``(channels,)`` runs per sample (mode ``"sample"``); a
  ``dsp.window`` node is mode ``"window"`` and sets ``frame_ready_flag(node_id)`` (the writer's
  ``tms_frame_ready``, which it clears before each sample) when a frame is complete; every other node
  runs per frame (mode ``"frame"``).
- a stream ``dsp.downsample`` produces an output only every ``factor`` samples: its stage names, in
  ``extra["sample_gate"]`` (also ``sample_gate_flag(node_id)``), an ``int`` that is 1 on the samples
  where its output buffer holds a new value. The per-sample stages after it must run only then.

All symbols start with ``tms_``; a node's symbols with ``tms_<node id as a C identifier>__``, its
output buffer is ``codegen.stage.buffer_name(node_id, "out")``.
"""
from __future__ import annotations

from typing import Callable, Mapping

from codegen.cnames import c_identifier
from codegen.emitters import dsp_features, dsp_fixed, dsp_image, dsp_signal, dsp_spectral
from codegen.emitters.ctables import Declarations
from codegen.emitters.stage_parts import StageParts
from codegen.stage import PREFIX, StageCode, buffer_name
from nodes.base import NodeContext, NodeError, TensorSpec, node_type


class EmitError(Exception):
    """A DSP node that cannot become C as configured; the message names the node and its type."""

    def __init__(self, node_id: str, type_id: str, problem: str):
        self.message = f"node '{node_id}' ({type_id}): {problem}"
        super().__init__(self.message)
        self.node_id = node_id
        self.type_id = type_id
        self.problem = problem


# Each DSP type's emitter, registered with ``@dsp_emitter(type_id, extra_sources)``: the runtime
# files its stage compiles on a core with an FPU are the node's declared ``kernel`` (``dsp/mfcc`` →
# dsp/mfcc.c) plus the kernels it calls; the headers come with them. With q15_fft, dsp/fft.c is
# replaced by FIXED_POINT_SOURCES["dsp/fft.c"].
_EMITTERS: dict[str, Callable[..., StageParts]] = {}
_EXTRA_SOURCES: dict[str, tuple[str, ...]] = {}


def dsp_emitter(type_id: str, *extra_sources: str):
    def register(fn):
        if type_id in _EMITTERS:
            raise ValueError(f"two DSP emitters for {type_id}")
        _EMITTERS[type_id] = fn
        _EXTRA_SOURCES[type_id] = extra_sources
        return fn
    return register


def kernel_sources(type_id: str) -> tuple[str, ...]:
    """The runtime .c files a DSP type's stage compiles: its node's kernel, then what that calls."""
    kernel = node_type(type_id).kernel
    if not kernel:
        raise EmitError("?", type_id, "declares no kernel")
    return (f"{kernel}.c",) + _EXTRA_SOURCES[type_id]


FIXED_POINT_SOURCES: Mapping[str, str] = {"dsp/fft.c": dsp_spectral.FFT_Q15_SOURCE}

# The fixed-point emitters (plan stages whose ``arithmetic`` is "fixed": nodes.base.arithmetic_for),
# by type: integer kernels in dsp/fx_fft.c and dsp/fx_features.c.
_FIXED_EMITTERS: dict[str, Callable[..., StageParts]] = {
    "dsp.spectrum": lambda d, p, spec_in, spec_out, in_buf, out_buf: dsp_fixed.spectrum(
        d, p, spec_in, spec_out, in_buf, out_buf),
    "dsp.mfe": lambda d, p, spec_in, spec_out, in_buf, out_buf: dsp_fixed.mfe(d, p, spec_out, in_buf, out_buf),
    "dsp.mfcc": lambda d, p, spec_in, spec_out, in_buf, out_buf: dsp_fixed.mfcc(d, p, spec_out, in_buf, out_buf),
}

def supported_types() -> frozenset[str]:
    return frozenset(_EMITTERS)


def all_kernel_sources() -> list[str]:
    """Every DSP runtime .c file a stage may name."""
    fixed = {r for r in dsp_fixed.SOURCES if r.endswith(".c")}
    return sorted({r for t in _EMITTERS for r in kernel_sources(t)} | set(FIXED_POINT_SOURCES.values()) | fixed)


def node_prefix(node_id: str) -> str:
    return f"{PREFIX}_{c_identifier(node_id)}"


def frame_ready_flag(node_id: str) -> str:
    """The ``int`` a window stage sets to 1 when its frame is complete.

    It is the firmware writer's ``tms_frame_ready`` (declared and cleared before each sample by
    pipeline.c); a pipeline has one window, so the name does not depend on ``node_id``.
    """
    return dsp_signal.FRAME_READY_FLAG


def sample_gate_flag(node_id: str) -> str:
    """The ``int`` a stream downsample stage sets to 1 on the samples where it has a new output."""
    return f"{node_prefix(node_id)}__sample_ready"


def emit_stage(node_id: str, type_id: str, props: Mapping, inputs: Mapping[str, TensorSpec],
               outputs: Mapping[str, TensorSpec], in_buffers: Mapping[str, str], fpu: bool,
               q15_fft: bool = False, arithmetic: str = "float") -> StageCode:
    """The C of one DSP node. Raises EmitError for a type without a C kernel or a node that does not check.

    With ``arithmetic`` "fixed" (the plan stage's, for a node with a fixed-point kernel on a core
    without an FPU) the spectrum, MFE and MFCC stages run integer Q15/Q31 kernels that equal
    ``nodes.dsp_fixed`` bit for bit.

    Every kernel computes in float32 (in software on a core without an FPU, ``fpu`` False). With
    ``q15_fft`` the spectrum, MFE and MFCC stages use the Q15 block-floating-point FFT instead: about
    2x fewer instructions on a Cortex-M0+, at a spectrum signal-to-error of about 60-70 dB, which is
    fine for linear spectra but not for log features of tonal input (see dsp/fft_q15.c).
    """
    if type_id not in _EMITTERS:
        known = ", ".join(sorted(_EMITTERS))
        raise EmitError(node_id, type_id, f"has no C kernel (DSP types with one: {known})")
    try:
        node_cls = node_type(type_id)
        p = node_cls.check_props(dict(props))
        expected = node_cls().infer(dict(inputs), p, NodeContext())
    except NodeError as exc:
        raise EmitError(node_id, type_id, exc.message) from None
    for port, spec in expected.items():
        given = outputs.get(port)
        if given is None or tuple(given.shape) != tuple(spec.shape) or given.dtype != spec.dtype:
            shown = given.describe() if given is not None else "missing"
            raise EmitError(node_id, type_id, f"output '{port}' is {shown} but the node makes {spec.describe()}; "
                            "check the graph again before generating code")
    in_buf = in_buffers.get("in")
    if not in_buf or c_identifier(in_buf) != in_buf:
        raise EmitError(node_id, type_id, f"input buffer name {in_buf!r} is missing or not a C identifier")

    d = Declarations(node_prefix(node_id))
    if arithmetic == "fixed":
        if type_id not in _FIXED_EMITTERS:
            raise EmitError(node_id, type_id, "has no fixed-point kernel")
        d.comment("a core without an FPU: fixed point (Q15 block floating point, integer log, Q15 DCT)")
        parts = _FIXED_EMITTERS[type_id](d, p, inputs["in"], expected["out"], in_buf, buffer_name(node_id, "out"))
    else:
        if not fpu:
            d.comment("a core without an FPU: float32 in software floating point")
        parts = _emit(type_id, d, p, inputs["in"], expected["out"], in_buf, buffer_name(node_id, "out"), q15_fft)
    return StageCode(node_id=node_id, mode=parts.mode, sources=parts.sources, includes=parts.includes,
                     declarations=d.text(), init=parts.init, run=parts.run, ram_bytes=d.ram_bytes,
                     flash_bytes=d.flash_bytes, extra=dict(parts.extra))


def _emit(type_id: str, d: Declarations, p: Mapping, spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
          out_buf: str, q15_fft: bool) -> StageParts:
    mode = "sample" if len(spec_in.shape) == 1 else "frame"
    return _EMITTERS[type_id](d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft)


@dsp_emitter("dsp.window")
def _window(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_signal.window(d, p, spec_in, in_buf, out_buf)


@dsp_emitter("dsp.normalize")
def _normalize(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_signal.normalize(d, p, spec_in, in_buf, out_buf, mode)


@dsp_emitter("dsp.biquad")
def _biquad(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_signal.biquad(d, p, spec_in, in_buf, out_buf, mode)


@dsp_emitter("dsp.downsample")
def _downsample(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_signal.downsample(d, p, spec_in, spec_out, in_buf, out_buf, mode)


@dsp_emitter("dsp.stats")
def _stats(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_signal.stats(d, p, spec_in, spec_out, in_buf, out_buf)


@dsp_emitter("dsp.spectrum", "dsp/fft.c")
def _spectrum(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_spectral.spectrum(d, p, spec_in, spec_out, in_buf, out_buf, q15_fft)


@dsp_emitter("dsp.mfe", "dsp/fft.c")
def _mfe(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_spectral.mfe(d, p, spec_out, in_buf, out_buf, q15_fft)


@dsp_emitter("dsp.mfcc", "dsp/mfe.c", "dsp/fft.c")
def _mfcc(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_spectral.mfcc(d, p, spec_out, in_buf, out_buf, q15_fft)


@dsp_emitter("dsp.resize")
def _resize(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_image.resize(d, p, spec_in, spec_out, in_buf, out_buf)


@dsp_emitter("dsp.crop")
def _crop(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_image.crop(d, p, spec_in, spec_out, in_buf, out_buf)


@dsp_emitter("dsp.delta")
def _delta(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_features.delta(d, p, spec_in, spec_out, in_buf, out_buf)


@dsp_emitter("dsp.grayscale")
def _grayscale(d, p, spec_in, spec_out, in_buf, out_buf, mode, q15_fft):
    return dsp_image.grayscale(d, spec_in, spec_out, in_buf, out_buf)


# type id -> the runtime .c files its stage compiles (for tools that build or measure the kernels on
# their own: tests, bench/bench_dsp.py); derived from the registrations above
KERNEL_SOURCES: Mapping[str, tuple[str, ...]] = {t: kernel_sources(t) for t in _EMITTERS}
SUPPORTED_TYPES: frozenset[str] = frozenset(_EMITTERS)
