"""Where the emulated board's live sensor gets its samples (studio.core.sample_source), and what
validation charges for it: an imported test split streams from the host (a RAM block, no flash), a
named recording is embedded (flash), and an embedded recording that overflows the flash is named."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from studio.core.project import Project, save_project
from studio.core.sample_source import (HOST_STREAM, HOST_STREAM_KEY, REPLAY, emulated_source,
                                       imported_test_files)
from studio.core.validate import RECORDING_KEY, validate_project

IMPORTED = {"channels": 3, "labels": ["a"], "files": {"train": [{"file": "d/a/1.wav", "label": "a"}],
                                     "test": [{"file": "d/a/2.wav", "label": "a"}]}}


def test_an_imported_test_split_is_streamed_from_the_host():
    assert emulated_source(IMPORTED) == HOST_STREAM


def test_a_named_recording_without_an_imported_split_is_embedded():
    assert emulated_source({"test": {"samples": "test/test.npy"}}) == REPLAY


def test_an_imported_split_is_streamed_even_when_a_recording_is_named_too():
    assert emulated_source({**IMPORTED, "test": {"samples": "test/test.npy", "labels": "test/labels.txt"}}) == HOST_STREAM


@given(st.recursive(st.none() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3)))
def test_any_malformed_dataset_description_has_no_streamed_files(junk):
    files = imported_test_files({"files": {"test": junk}})
    assert all(isinstance(f, str) and isinstance(label, str) for f, label in files)
    assert emulated_source(junk if isinstance(junk, dict) else None) in (HOST_STREAM, REPLAY, None)


def test_a_streamed_split_costs_a_ram_block_and_no_flash_recording(chain, board, tmp_path):
    p = Project("p", board.id, chain, dataset=dict(IMPORTED))
    save_project(p, tmp_path / "p.tinyml")
    r = validate_project(p)
    assert r.ok, [i.message for i in r.issues]
    assert RECORDING_KEY not in r.flash.by_node
    assert r.ram.by_node[HOST_STREAM_KEY] >= 4 * 3 * 64


def test_an_embedded_recording_that_overflows_the_flash_is_named_not_the_model(chain, board, tmp_path):
    np.save(tmp_path / "big.npy", np.zeros((board.flash_budget_bytes // 12 + 1000, 3), np.float32))
    p = Project("p", board.id, chain, dataset={"test": {"samples": "big.npy"}})
    save_project(p, tmp_path / "p.tinyml")
    errors = [i for i in validate_project(p).issues if i.severity == "error"]
    assert len(errors) == 1 and errors[0].node is None
    assert "embedded test recording 'big.npy'" in errors[0].message
    assert "streams it from the host" in errors[0].message


def test_a_stream_block_holds_at_most_4_kib_and_at_least_one_sample():
    from studio.core.sample_source import host_stream_for
    assert host_stream_for(IMPORTED).block_samples * 3 * 4 <= 4096
    image = host_stream_for({"shape": [96, 96, 1], "channels": 1})
    assert (image.block_samples, image.channels) == (1, 96 * 96)


def _too_fast(chain):
    chain.set_property("src", "rate_hz", 1_000_000.0)   # a window every microsecond: no core keeps up
    chain.set_property("win", "hop", 1)
    return chain


def test_a_live_sensor_the_board_cannot_keep_up_with_is_an_error(chain, board, tmp_path):
    p = Project("p", board.id, _too_fast(chain))
    save_project(p, tmp_path / "p.tinyml")
    errors = [i.message for i in validate_project(p).issues if i.severity == "error"]
    assert any("cannot keep up in real time" in m for m in errors)


def test_a_host_stream_waits_for_a_slow_board_so_real_time_is_a_warning(chain, board, tmp_path):
    p = Project("p", board.id, _too_fast(chain), dataset=dict(IMPORTED))
    save_project(p, tmp_path / "p.tinyml")
    r = validate_project(p)
    assert r.ok, [i.message for i in r.issues if i.severity == "error"]
    assert any("host stream waits for the board" in i.message for i in r.issues if i.severity == "warning")
