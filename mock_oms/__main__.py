from __future__ import annotations

from mock_oms.cli import main

main()
