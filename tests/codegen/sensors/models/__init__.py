"""Register-level models of the sensor chips, each written from the part's datasheet (named in its
module docstring). They are models, not the chips: a driver test against them proves the driver
follows the model of the datasheet, not that the silicon behaves the same way."""
