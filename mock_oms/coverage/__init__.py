"""Exposure coverage: which situations mock-oms can show a client (the exposure space, from
its tables and the loaded scenarios), what the clients were shown (the journal's counts),
and what would show the rest. Pure."""
