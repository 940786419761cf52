"""Counter devices: one interface per kind, real drivers and simulators behind it."""
