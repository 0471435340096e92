"""The host stream inside a monitor session (any port): requests answered, a lost first request
made up for by an unasked first block, the end line ending the session only after the last clip."""
from __future__ import annotations

import numpy as np

from studio.device.hoststream import ClipStreamer, StreamResponder, decode_frame
from studio.device.protocol import parse_line

CLIP = np.arange(12, dtype=np.float32).reshape(4, 3) / 16.0


def _need(seq: int) -> str:
    return f'{{"type":"need","seq":{seq},"max":2,"channels":3}}'


def test_a_request_is_answered_on_the_link_and_kept_from_the_user():
    sent: list[bytes] = []
    responder = StreamResponder(ClipStreamer([CLIP]), 2, 3)
    assert responder.handle(parse_line(_need(0)), sent.append)
    frame, _ = decode_frame(sent[0], 3)
    assert frame.seq == 0 and frame.new_clip and np.array_equal(frame.samples, CLIP[:2])
    assert not responder.handle(parse_line('{"type":"hello","project":"p"}'), sent.append)


def test_the_unasked_first_block_is_request_0_and_sent_once_only_when_the_board_was_not_heard():
    sent: list[bytes] = []
    responder = StreamResponder(ClipStreamer([CLIP]), 2, 3)
    responder.kick(sent.append)
    responder.kick(sent.append)
    assert len(sent) == 1 and decode_frame(sent[0], 3)[0].seq == 0
    # the board's own request 0 (it had not been lost after all) gets the same frame again
    responder.handle(parse_line(_need(0)), sent.append)
    assert sent[1] == sent[0]


def test_no_unasked_block_once_the_board_asked():
    sent: list[bytes] = []
    responder = StreamResponder(ClipStreamer([CLIP]), 2, 3)
    responder.handle(parse_line(_need(0)), sent.append)
    responder.kick(sent.append)
    assert len(sent) == 1


def test_the_end_line_ends_the_session_only_after_the_last_clip_was_sent():
    sent: list[bytes] = []
    responder = StreamResponder(ClipStreamer([CLIP]), 2, 3)
    end = parse_line('{"type":"end","seq":1}')
    assert not responder.ended(end)
    for seq in range(3):
        responder.handle(parse_line(_need(seq)), sent.append)
    assert responder.ended(end)
