"""The host-stream frames: the Python codec (studio.device.hoststream) round-trips and rejects every
damaged frame, and the firmware's decoder (codegen/runtime/tms_hoststream.c, compiled with the host
gcc) reads exactly the samples, clip starts and end the Python side encodes."""
from __future__ import annotations

import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from codegen.firmware import RUNTIME_DIR
from studio.device.hoststream import (HEADER_BYTES, ClipStreamer, FrameError, HostStreamError, decode_frame,
                                      encode_end, encode_frame)
from studio.device.protocol import parse_line

samples_2d = st.integers(1, 4).flatmap(lambda c: hnp.arrays(
    np.float32, st.tuples(st.integers(0, 40), st.just(c)),
    elements=st.floats(width=32, allow_nan=False)))


@given(samples_2d, st.integers(0, 0xFFFF), st.booleans())
def test_a_frame_decodes_to_the_samples_seq_and_clip_flag_it_was_encoded_with(samples, seq, new_clip):
    frame = encode_frame(seq, samples, new_clip)
    decoded, used = decode_frame(frame + b"trailing", samples.shape[1])
    assert used == len(frame) == HEADER_BYTES + samples.size * 4
    assert decoded.seq == seq and decoded.new_clip == new_clip
    assert decoded.samples.tobytes() == samples.astype("<f4").tobytes()


@given(samples_2d, st.data())
def test_every_single_byte_change_of_a_frame_is_rejected(samples, data):
    frame = bytearray(encode_frame(7, samples, True))
    pos = data.draw(st.integers(0, len(frame) - 1))
    frame[pos] ^= data.draw(st.integers(1, 255))
    with pytest.raises(FrameError):
        decode_frame(bytes(frame), samples.shape[1])


@given(samples_2d, st.data())
def test_a_truncated_frame_is_rejected(samples, data):
    frame = encode_frame(1, samples)
    cut = data.draw(st.integers(0, len(frame) - 1))
    with pytest.raises(FrameError):
        decode_frame(frame[:cut], samples.shape[1])


def test_the_header_crc_is_zlibs_crc32_of_kind_flags_seq_count_and_payload():
    frame = encode_frame(3, np.array([[1.0, -2.0]], np.float32), new_clip=True)
    assert frame[:4] == b"TMSH"
    assert struct.unpack("<I", frame[12:16])[0] == zlib.crc32(frame[4:12] + frame[16:])


def _need(seq: int, max_samples: int, channels: int):
    return parse_line(f'{{"type":"need","seq":{seq},"max":{max_samples},"channels":{channels}}}')


def test_the_streamer_sends_each_clip_in_blocks_flagging_its_first_then_the_end():
    clips = [np.arange(10, dtype=np.float32).reshape(5, 2), np.ones((3, 2), np.float32)]
    s = ClipStreamer(clips)
    frames = [decode_frame(s.on_need(_need(i, 4, 2)), 2)[0] for i in range(4)]
    assert [len(f.samples) for f in frames] == [4, 1, 3, 0]
    assert [f.new_clip for f in frames] == [True, False, True, False]
    assert frames[3].kind == ord("E") and s.finished
    assert np.array_equal(np.concatenate([frames[0].samples, frames[1].samples]), clips[0])


def test_a_repeated_request_gets_the_same_frame_again():
    s = ClipStreamer([np.zeros((8, 1), np.float32)])
    first = s.on_need(_need(0, 4, 1))
    assert s.on_need(_need(0, 4, 1)) == first and s.resent == 1
    assert decode_frame(s.on_need(_need(1, 4, 1)), 1)[0].seq == 1


def test_a_board_reading_other_channels_than_the_clips_is_told_so():
    with pytest.raises(HostStreamError, match="3 channels"):
        ClipStreamer([np.zeros((4, 3), np.float32)]).on_need(_need(0, 4, 2))


# ---- the firmware's decoder on the host ----------------------------------------------------------

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "tms_hoststream.h"
#include "tms_uart.h"
/* requests and logs go to stderr; the samples the decoder hands out to stdout */
void tms_uart_write(const char *data, size_t len) { fwrite(data, 1, len, stderr); }
void tms_uart_flush(void) { }
uint8_t tms_uart_read_byte(void) { int c = getchar(); if (c == EOF) { exit(3); } return (uint8_t)c; }
uint64_t tms_timer_cycles(void) { return 0; }
uint32_t tms_timer_cycles_to_us(uint64_t cycles) { return (uint32_t)cycles; }
int main(int argc, char **argv) {
    static float block[64 * 4];
    tms_hoststream_t s;
    const float *x;
    int event;
    uint32_t channels, k;
    if (argc != 3) { return 2; }
    channels = (uint32_t)atoi(argv[1]);
    tms_hoststream_init(&s, block, (uint32_t)atoi(argv[2]), channels);
    while ((event = tms_hoststream_next(&s, &x)) != TMS_HS_END) {
        printf("%d", event);
        for (k = 0; k < channels; k++) { printf(" %a", (double)x[k]); }
        printf("\n");
    }
    printf("end %u\n", (unsigned)s.rejected);
    return 0;
}
"""


@pytest.fixture(scope="module")
def decoder(tmp_path_factory) -> Path:
    gcc = shutil.which("gcc") or pytest.skip("no host gcc")
    d = tmp_path_factory.mktemp("hoststream")
    (d / "harness.c").write_text(HARNESS)
    exe = d / "decoder"
    subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(RUNTIME_DIR),
                    str(d / "harness.c"), str(RUNTIME_DIR / "tms_hoststream.c"),
                    str(RUNTIME_DIR / "tms_protocol.c"), "-o", str(exe)], check=True, capture_output=True)
    return exe


def _decode_on_device(exe: Path, stream: bytes, channels: int, block: int) -> tuple[list[str], str]:
    out = subprocess.run([str(exe), str(channels), str(block)], input=stream, capture_output=True, check=True)
    return out.stdout.decode().splitlines(), out.stderr.decode()


def _answers(clips, block: int, channels: int) -> bytes:
    s = ClipStreamer(clips)
    out, seq = b"", 0
    while not s.finished:
        out += s.on_need(_need(seq, block, channels))
        seq += 1
    return out


clip_lists = st.integers(1, 3).flatmap(lambda c: st.lists(hnp.arrays(
    np.float32, st.tuples(st.integers(1, 20), st.just(c)), elements=st.floats(width=32, allow_nan=False)),
    min_size=1, max_size=4))


@settings(max_examples=25, deadline=None)
@given(clip_lists, st.integers(1, 64))
def test_the_firmware_decoder_hands_out_every_sample_and_marks_each_clip_start(decoder, clips, block):
    channels = clips[0].shape[1]
    lines, requests = _decode_on_device(decoder, _answers(clips, block, channels), channels, block)
    want = []
    for clip in clips:
        for i, row in enumerate(clip):
            want.append(" ".join([str(1 if i == 0 else 0)] + [float(v).hex() for v in row]))
    assert [_canonical(line) for line in lines[:-1]] == want
    assert lines[-1] == "end 0"
    assert requests.count('"type":"need"') == sum(-(-len(c) // block) for c in clips) + 1


def _canonical(line: str) -> str:
    event, *values = line.split()
    return " ".join([event] + [float.fromhex(v).hex() for v in values])


def test_the_firmware_rejects_a_damaged_frame_and_takes_the_resent_one(decoder):
    clip = np.arange(6, dtype=np.float32).reshape(3, 2)
    good = encode_frame(0, clip, new_clip=True)
    bad = bytearray(good)
    bad[HEADER_BYTES + 5] ^= 0x40
    stream = b"\x00junk" + bytes(bad) + good + encode_end(1)
    lines, log = _decode_on_device(decoder, stream, 2, 8)
    assert len(lines) == 4 and lines[-1] == "end 1"
    assert "host-stream frame rejected: crc" in log


def test_an_image_clip_is_streamed_as_one_sample_of_all_its_values():
    image = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
    frame = decode_frame(ClipStreamer([image]).on_need(_need(0, 1, 12)), 12)[0]
    assert frame.samples.shape == (1, 12) and frame.samples.tobytes() == image.tobytes()


def test_a_board_that_goes_away_mid_stream_fails_the_session():
    """A fake board on a TCP socket asks once, then closes: the session says so rather than
    returning the partial results as a finished run."""
    import socket
    import threading

    from studio.device.hoststream import stream_session

    server = socket.create_server(("127.0.0.1", 0))

    def board() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b'{"type":"hello","project":"p","board":"b","build":"x"}\n')
            conn.sendall(b'{"type":"need","seq":0,"max":4,"channels":1}\n')
            conn.recv(1024)

    t = threading.Thread(target=board, daemon=True)
    t.start()
    with server, pytest.raises(HostStreamError, match="closed after 1 of 2 streamed clips"):
        stream_session("127.0.0.1", server.getsockname()[1],
                       ClipStreamer([np.zeros((4, 1), np.float32), np.zeros((4, 1), np.float32)]))
    t.join(5)


def test_a_board_that_falls_silent_fails_the_session_after_the_idle_limit():
    """A fake board says hello, asks for nothing and keeps its link open: the session ends with a
    message after the idle limit instead of waiting for the whole run's timeout."""
    import socket
    import threading

    from studio.device.hoststream import stream_session

    server = socket.create_server(("127.0.0.1", 0))
    release = threading.Event()

    def board() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b'{"type":"hello","project":"p","board":"b","build":"x"}\n')
            release.wait(30)

    t = threading.Thread(target=board, daemon=True)
    t.start()
    started = time.monotonic()
    try:
        with server, pytest.raises(HostStreamError, match="sent nothing for 1 s .0 of 1 clips sent"):
            stream_session("127.0.0.1", server.getsockname()[1], ClipStreamer([np.zeros((4, 1), np.float32)]),
                           timeout_s=60, idle_timeout_s=1)
        assert time.monotonic() - started < 30   # the idle limit ended it, not the run's timeout
    finally:
        release.set()
        t.join(5)


pcm_clip_lists = st.integers(1, 3).flatmap(lambda c: st.lists(hnp.arrays(
    np.int16, st.tuples(st.integers(1, 20), st.just(c))).map(lambda q: q.astype(np.float32) / np.float32(32768)),
    min_size=1, max_size=3))


@given(pcm_clip_lists.map(lambda clips: clips[0]), st.integers(0, 0xFFFF))
def test_a_16_bit_block_travels_as_int16_and_decodes_to_the_same_floats(samples, seq):
    frame = encode_frame(seq, samples, pcm16=True)
    assert frame[4] == ord("H") and len(frame) == HEADER_BYTES + samples.size * 2
    assert decode_frame(frame, samples.shape[1])[0].samples.tobytes() == samples.tobytes()


def test_a_block_that_is_not_16_bit_pcm_is_refused_as_int16():
    with pytest.raises(FrameError, match="16-bit"):
        encode_frame(0, np.array([[0.1]], np.float32), pcm16=True)


@settings(max_examples=20, deadline=None)
@given(pcm_clip_lists, st.integers(1, 64))
def test_the_firmware_decoder_widens_16_bit_blocks_to_the_same_floats(decoder, clips, block):
    channels = clips[0].shape[1]
    stream = _answers(clips, block, channels)
    assert stream[4] == ord("H")
    lines, _ = _decode_on_device(decoder, stream, channels, block)
    want = [" ".join([str(1 if i == 0 else 0)] + [float(v).hex() for v in row])
            for clip in clips for i, row in enumerate(clip)]
    assert [_canonical(line) for line in lines[:-1]] == want and lines[-1] == "end 0"
