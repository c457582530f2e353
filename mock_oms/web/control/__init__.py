"""The control API under ``/_mock`` (FastAPI): one router per resource (``clock``,
``scenarios``, ``projects``, ``faults``, ``journal``), their bodies in ``models`` (which
import no FastAPI, so the client can use them), assembled by ``app.build``."""
