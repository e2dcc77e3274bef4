"""Pure types and algorithms; no IO, no imports from the rest of xinyong."""
