"""``omnitrack chat --attach FILE "..."`` and ``--save-to DIR`` against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdoor_support import ThreadedServer, token_for
from omnitrack_realtime.cli.main import main

SUPPLIERS = "name,type,city,capacity\nAcme Metals,supplier,Shanghai,12k\nBad,warehouse,Paris,x\n"


def test_chat_attach_previews_an_import_with_a_progress_bar_and_save_to_keeps_an_export(
    server: ThreadedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text(SUPPLIERS)
    base = ["chat", "--url", server.copilot_url, "--token", token_for()]
    code = main([*base, "--attach", str(path), "import the attached suppliers.csv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "upload suppliers.csv [########################] 100%" in err
    assert "1 node and 0 links to add; 1 row left out" in out
    assert "line 3: capacity 'x' is not a number" in out

    saved = tmp_path / "exports"
    code = main([*base, "--save-to", str(saved), "export my network as json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Attachment: network.json" in out and (saved / "network.json").is_file()
    assert main([*base, "--attach", str(tmp_path / "missing.csv"), "import it"]) == 2
    assert "no such file" in capsys.readouterr().err
