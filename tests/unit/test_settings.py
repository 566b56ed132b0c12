import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_listen_on_loopback():
    settings = load_settings(env={})
    assert settings.host == "127.0.0.1" and settings.port == 8080


def test_environment_and_file(tmp_path):
    path = tmp_path / "kaifong.yml"
    path.write_text("hant_cmn: s2tw\nhotline: '12333'\n", encoding="utf-8")
    settings = load_settings(env={"KAIFONG_SETTINGS": str(path), "KAIFONG_PORT": "9090"})
    assert (settings.hant_cmn, settings.hotline, settings.port) == ("s2tw", "12333", 9090)


@pytest.mark.parametrize("env, word", [
    ({"KAIFONG_PORT": "eighty"}, "port"),
    ({"KAIFONG_PORT": "70000"}, "port"),
    ({"KAIFONG_HANT_CMN": "t2s"}, "hant_cmn"),
    ({"KAIFONG_HOTLINE": "call-us"}, "hotline"),
])
def test_wrong_values_stop_with_one_line(env, word):
    with pytest.raises(SettingsError) as info:
        load_settings(env=env)
    assert word in str(info.value) and "\n" not in str(info.value)


def test_unknown_setting_in_file(tmp_path):
    path = tmp_path / "kaifong.yml"
    path.write_text("prot: 80\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="prot"):
        load_settings(env={"KAIFONG_SETTINGS": str(path)})


def test_broken_settings_file(tmp_path):
    path = tmp_path / "kaifong.yml"
    path.write_text("port: [\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="kaifong.yml"):
        load_settings(env={"KAIFONG_SETTINGS": str(path)})


def test_rasa_token_from_a_file(tmp_path):
    path = tmp_path / "rasa-token"
    path.write_text("t0ken\n", encoding="utf-8")
    assert load_settings(env={"KAIFONG_RASA_TOKEN_FILE": str(path)}).rasa_token == "t0ken"
    path.write_text("", encoding="utf-8")
    with pytest.raises(SettingsError, match="rasa_token_file: .* is empty"):
        load_settings(env={"KAIFONG_RASA_TOKEN_FILE": str(path)})
    with pytest.raises(SettingsError, match="rasa_token_file: cannot read"):
        load_settings(env={"KAIFONG_RASA_TOKEN_FILE": str(tmp_path / "nowhere")})
