"""The journal: the OMS requests a server received (``requests``) and how each project was
polled (``polls``). Pure: the web layer passes every time in."""
