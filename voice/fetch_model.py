"""`make model`: download and check the Mandarin speech model (vosk-model-small-cn-0.22).

    python -m voice.fetch_model            # into the folder the settings name (asr_model_cmn)
    python -m voice.fetch_model --check    # only say whether it is there and loads

Without internet it says so plainly and exits 1; everything else in Kaifong still runs
(/api/asr answers 503 naming the missing model until it is installed).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Optional

from bot.settings import SettingsError, load_settings
from voice.asr import model_present

CHUNK = 1 << 16


class FetchError(Exception):
    """Why the model could not be installed; one paragraph for the operator."""


def check(path: Path, load: bool = True) -> Optional[str]:
    """None if `path` holds a usable vosk model, else what is wrong."""
    if not model_present(str(path)):
        return f"{path} is missing or incomplete (no am/final.mdl or conf/model.conf)"
    if load:
        import vosk

        vosk.SetLogLevel(-1)
        try:
            vosk.Model(str(path))
        except Exception:
            return f"{path} has the model's files but vosk cannot load them"
    return None


def download(url: str, target: Path, timeout: float) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, -1
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if total and (percent := done * 100 // total) // 10 != shown:
                    shown = percent // 10
                    print(f"  {percent:3d}%  {done / 1e6:.1f} of {total / 1e6:.1f} MB", flush=True)
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot download {url}: {reason}") from None


def unpack(archive: Path, dest: Path) -> None:
    """Extract the one model folder in `archive` to `dest`, refusing odd archives."""
    if not zipfile.is_zipfile(archive):
        raise FetchError(f"{archive.name} is not a valid zip archive (an interrupted download?)")
    with zipfile.ZipFile(archive) as zf:
        if zf.testzip() is not None:
            raise FetchError(f"{archive.name} is corrupt")
        tops = {Path(n).parts[0] for n in zf.namelist() if Path(n).parts}
        if len(tops) != 1:
            raise FetchError(f"{archive.name} should hold one model folder, not {len(tops)}")
        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            root = Path(tmp).resolve()
            for member in zf.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise FetchError(f"{archive.name} has an unsafe path: {member!r}")
            zf.extractall(root)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(root / tops.pop(), dest)


def install(url: str, dest: Path, timeout: float = 30.0, load: bool = True) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    archive = dest.parent / (dest.name + ".zip.part")
    print(f"Downloading {url}\n  into {dest}", flush=True)
    try:
        download(url, archive, timeout)
        unpack(archive, dest)
    finally:
        archive.unlink(missing_ok=True)
    problem = check(dest, load)
    if problem:
        shutil.rmtree(dest, ignore_errors=True)
        raise FetchError(f"the downloaded archive is not a usable vosk model: {problem}")


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main(argv: Optional[list[str]] = None, load: bool = True) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice.fetch_model",
                                     description="Download and check the Mandarin speech model.")
    parser.add_argument("--dest", help="model folder (default: the asr_model_cmn setting)")
    parser.add_argument("--url", help="archive to fetch (default: the voice_model_url setting)")
    parser.add_argument("--timeout", type=float, default=30.0, help="network timeout, seconds")
    parser.add_argument("--check", action="store_true", help="only check the installed model")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"kaifong: {exc}", file=sys.stderr)
        return 2
    dest = Path(args.dest or settings.asr_model_cmn).resolve()
    url = args.url or settings.voice_model_url
    problem = check(dest, load)
    if problem is None:
        print(f"The Mandarin speech model is installed: {dest} ({_size_mb(dest):.0f} MB)")
        return 0
    if args.check:
        print(f"The Mandarin speech model is not usable: {problem}. Run `make model`.", file=sys.stderr)
        return 1
    try:
        install(url, dest, args.timeout, load)
    except FetchError as exc:
        print(f"\nCould not install the Mandarin speech model: {exc}.\n"
              f"If this machine has no internet access, download\n    {url}\n"
              f"on one that has, unzip it, and copy the folder {dest.name} to\n    {dest}\n"
              f"(or point KAIFONG_ASR_MODEL_CMN at it). Everything else works without it;\n"
              f"speech recognition (/api/asr) answers 503 until it is installed.", file=sys.stderr)
        return 1
    print(f"Installed the Mandarin speech model: {dest} ({_size_mb(dest):.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
