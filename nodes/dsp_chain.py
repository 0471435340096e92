"""Features from recorded samples: a chain of DSP node references applied the way the firmware runs
them (stream nodes on the whole stream, the window cutting frames, frame nodes on each frame).

This is what makes training features and the "pipeline" representative data for int8 calibration,
so host features and device features come from the same functions.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from nodes.base import NodeError, NodeType

WINDOW_TYPE_ID = "dsp.window"


def pipeline_features(samples: np.ndarray, chain: Sequence[tuple[NodeType, Mapping[str, Any]]]) -> np.ndarray:
    """``samples`` through ``chain`` [(node, checked props), …] in data-flow order.

    ``samples`` is a stream (T, channels) or a batch of whole tensors such as camera images
    (N, height, width, channels), which every node then handles one at a time.
    With a window in the chain: (frames, *feature shape), one row per frame the firmware would make.
    Without one: every sample is one feature vector, (T', *shape) after the stream nodes.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    framed = x.ndim >= 3
    for node, p in chain:
        if not hasattr(node, "reference"):
            raise NodeError(f"{node.title} has no numpy reference, so it cannot make features")
        if not framed:
            x = node.reference(x, p)
            if node.type_id == WINDOW_TYPE_ID:
                framed = True
                if x.shape[0] == 0:
                    raise NodeError(f"the recording holds {np.asarray(samples).shape[0]} samples, fewer "
                                    f"than one window of {p['window']}; use a longer recording")
        else:
            x = np.stack([node.reference(frame, p) for frame in x])
    return np.ascontiguousarray(x, dtype=np.float32)
