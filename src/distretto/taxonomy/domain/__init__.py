"""Pure taxonomy logic: plain values in, plain results out; nothing from Django."""
