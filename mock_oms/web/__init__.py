"""The web layer: the ASGI app (``app``), the OMS endpoints on the hot path (``oms_api``),
faults on the wire (``delivery``), the OMS bodies (``envelope``), access rules, the OpenAPI
document and the control API (``control/``). Thin: it parses, asks the core, serializes."""
