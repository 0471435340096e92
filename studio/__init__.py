"""TinyML Studio: pipeline editor, validator and firmware generator for microcontroller ML."""
__version__ = "0.1.0"
