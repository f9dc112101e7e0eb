"""The server settings the app depends on, read from .streamlit/config.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_server_settings_for_many_sessions_and_large_files():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    # A full gc.collect() after every run (Streamlit's default) froze the server while eight
    # sessions polled a background job (benchmarks/bench_load.py).
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"  # no watcher threads on site-packages
    assert config["server"]["maxUploadSize"] >= 2048  # 1M x 384 vectors as Parquet is 1.5 GB
    assert config["server"]["maxMessageSize"] >= 1024  # 200k points with hover fit in one figure


def test_private_by_default_hardening():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    # `streamlit run app.py` listens on this machine only; a shared server is a decision
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"].get("enableAgentApi", False) is False
    assert config["client"]["showErrorDetails"] == "none"  # no tracebacks in the browser
