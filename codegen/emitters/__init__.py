"""Per-node C emitters: each turns one node (type, properties, tensor specs) into a ``StageCode``.

``codegen.emit_dsp`` is the entry point for the DSP nodes; the modules here hold the pieces.
"""
