"""Faults: what goes wrong with an OMS response and when (``model``), read from documents
(``spec``), spoiled bodies (``malform``) and the faults injected at run time
(``injections``). Pure: the web layer (``web/delivery.py``) puts them on the wire."""
