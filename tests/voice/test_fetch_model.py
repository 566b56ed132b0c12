"""`make model` (python -m voice.fetch_model): fetch, check, and a plain message offline."""
import zipfile

import pytest

from tests.processes import dead_url
from voice import fetch_model


def fake_model_zip(path, top="vosk-model-small-cn-0.22", extra=None):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{top}/am/final.mdl", b"model")
        zf.writestr(f"{top}/conf/model.conf", b"--min-active=200\n")
        zf.writestr(f"{top}/graph/HCLr.fst", b"graph")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path.as_uri()


def test_no_internet_gives_a_clear_message(tmp_path, capsys):
    dest = tmp_path / "models" / "vosk-model-small-cn-0.22"
    url = f"{dead_url()}/vosk-model-small-cn-0.22.zip"  # nothing listens
    assert fetch_model.main(["--dest", str(dest), "--url", url, "--timeout", "5"]) == 1
    err = capsys.readouterr().err
    assert "cannot download" in err and url in err and str(dest) in err
    assert "no internet" in err and "KAIFONG_ASR_MODEL_CMN" in err
    assert not dest.exists() and not list(dest.parent.glob("*.part"))


def test_a_good_archive_is_installed_and_then_reported(tmp_path, capsys):
    dest = tmp_path / "models" / "vosk-model-small-cn-0.22"
    url = fake_model_zip(tmp_path / "m.zip")
    # the fake model has the right files but no real weights, so skip vosk's load here
    assert fetch_model.main(["--dest", str(dest), "--url", url], load=False) == 0
    assert (dest / "am" / "final.mdl").read_bytes() == b"model"
    assert "Installed" in capsys.readouterr().out
    assert fetch_model.main(["--dest", str(dest), "--check"], load=False) == 0
    assert "is installed" in capsys.readouterr().out


def test_an_archive_vosk_cannot_load_is_not_left_behind(tmp_path, capsys):
    dest = tmp_path / "models" / "vosk-model-small-cn-0.22"
    url = fake_model_zip(tmp_path / "m.zip")
    assert fetch_model.main(["--dest", str(dest), "--url", url]) == 1
    assert "vosk cannot load" in capsys.readouterr().err and not dest.exists()


@pytest.mark.parametrize("make, words", [
    (lambda p: (p.write_bytes(b"<html>404</html>"), p.as_uri())[1], "not a valid zip"),
    (lambda p: fake_model_zip(p, extra={"../../evil.txt": b"x"}), "one model folder"),
    (lambda p: fake_model_zip(p, extra={"vosk-model-small-cn-0.22/../../evil": b"x"}), "unsafe path"),
])
def test_odd_archives_are_refused(tmp_path, capsys, make, words):
    dest = tmp_path / "models" / "vosk-model-small-cn-0.22"
    assert fetch_model.main(["--dest", str(dest), "--url", make(tmp_path / "m.zip")], load=False) == 1
    assert words in capsys.readouterr().err
    assert not dest.exists() and not (tmp_path / "evil.txt").exists()


def test_check_without_a_model_says_make_model(tmp_path, capsys):
    assert fetch_model.main(["--dest", str(tmp_path / "none"), "--check"]) == 1
    assert "make model" in capsys.readouterr().err
