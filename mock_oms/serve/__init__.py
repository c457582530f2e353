"""Running servers: uvicorn behind a bound socket (``server``), a server in a thread for
tests (``live``), the log writer (``activity``) and the recorder of a real OMS
(``recorder``)."""
