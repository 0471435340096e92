"""Machine learning on the host: the reference pipeline, training, quantization and datasets.

Qt-free; imports ``studio.core`` and ``nodes`` only. TensorFlow, Keras and tflite_micro are imported
inside the functions that need them, so importing this package (or the CLI) stays fast.

- ``studio.ml.pipeline``: features a project's DSP makes from samples, and host int8 inference in
  TFLM — the reference the firmware is compared with.
- ``studio.ml.train``: small standard Keras models by name and size, and a training loop with
  progress and cancel callbacks.
- ``studio.ml.quantize``: full-integer int8 post-training quantization and its accuracy report.
- ``studio.ml.foreign_optimize``: Optimize for a PyTorch/ONNX model node (ai-edge-quantizer int8).
- ``studio.ml.dataset``: the dataset description a project carries and its committed test split.
"""
