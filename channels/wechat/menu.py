"""The official account's custom menu (自定义菜单), as the JSON an operator
uploads (WeChat console, or POST /cgi-bin/menu/create).

    办事指南 ▸ the top services      CLICK  svc:<service id>
    找人工                            CLICK  human
    语言     ▸ 普通话 / 廣東話          CLICK  lang:cmn / lang:yue

A menu tap reaches the server as a CLICK event whose key is one of these.
`python -m channels.wechat.menu` prints it with the service names from the catalog;
with --upload it sends it to WeChat (the console's menu editor is switched off
while the account uses a server URL), with the app id and secret from
KAIFONG_WECHAT_APP_ID and KAIFONG_WECHAT_APP_SECRET.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Optional, Sequence

MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16       # WeChat: 4 Chinese characters
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
SERVICE_KEY_PREFIX = "svc:"
HUMAN_KEY = "human"
LANGUAGE_KEYS = {"cmn": "lang:cmn", "yue": "lang:yue"}
# the services most asked about at a service centre's counter
TOP_SERVICES = ("pension_certification", "medical_reimbursement", "senior_card",
                "social_security_card", "elderly_allowance")


class MenuError(Exception):
    """The menu breaks one of WeChat's limits; one line saying which."""


@dataclass(frozen=True)
class MenuLabels:
    services: str = "办事指南"
    human: str = "找人工"
    language: str = "语言"
    cmn: str = "普通话"
    yue: str = "廣東話"   # written as Cantonese speakers write it


def build_menu(services: Sequence[tuple[str, str]],
               labels: MenuLabels = MenuLabels()) -> dict[str, Any]:
    """The menu for these (service id, name) pairs, at most five, in order."""
    if not services:
        raise MenuError("no services for 办事指南")
    if len(services) > MAX_SUB_BUTTONS:
        raise MenuError(f"{len(services)} services; a submenu holds at most {MAX_SUB_BUTTONS}")
    menu = {"button": [
        _submenu(labels.services,
                 [_click(name, SERVICE_KEY_PREFIX + sid) for sid, name in services]),
        _click(labels.human, HUMAN_KEY, top=True),
        _submenu(labels.language, [_click(labels.cmn, LANGUAGE_KEYS["cmn"]),
                                   _click(labels.yue, LANGUAGE_KEYS["yue"])]),
    ]}
    return menu


def _click(name: str, key: str, top: bool = False) -> dict[str, str]:
    _check_name(name, MAX_TOP_NAME_BYTES if top else MAX_SUB_NAME_BYTES)
    if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise MenuError(f"key {key[:40]!r}: 1-{MAX_KEY_BYTES} bytes")
    return {"type": "click", "name": name, "key": key}


def _submenu(name: str, buttons: list[dict[str, str]]) -> dict[str, Any]:
    _check_name(name, MAX_TOP_NAME_BYTES)
    return {"name": name, "sub_button": buttons}


def _check_name(name: str, limit: int) -> None:
    if not name.strip() or len(name.encode("utf-8")) > limit:
        raise MenuError(f"button name {name!r}: 1-{limit} bytes (UTF-8)")


def labels_for(language: str, script: str) -> MenuLabels:
    """The labels in Traditional characters for a Traditional menu (廣東話 stays)."""
    from bot.language import to_script

    base = MenuLabels()
    return MenuLabels(*(to_script(label, language, script) for label in
                        (base.services, base.human, base.language, base.cmn)), base.yue)


def catalog_names(service_ids: Sequence[str], catalog_dir: Optional[str], language: str,
                  script: str) -> list[tuple[str, str]]:
    """(id, name) from the service catalog, in the language and script asked for."""
    from bot.catalog import CATALOG_DIR, load_catalog
    from bot.language import to_script

    catalog = load_catalog(catalog_dir or CATALOG_DIR)
    unknown = [sid for sid in service_ids if sid not in catalog]
    if unknown:
        raise MenuError(f"unknown service id {unknown[0]!r}")
    return [(sid, to_script(catalog[sid].text("name", language), language, script))
            for sid in service_ids]


async def upload_menu(menu: dict[str, Any], app_id: str, app_secret: str, api_base: str) -> None:
    import aiohttp

    from channels.wechat.api import WeChatApi

    async with aiohttp.ClientSession() as session:
        await WeChatApi(session, app_id, app_secret, api_base).create_menu(menu)


def _upload(menu: dict[str, Any]) -> None:
    from channels.wechat.api import ApiError
    from channels.wechat.config import DEFAULT_API_BASE

    app_id = os.environ.get("KAIFONG_WECHAT_APP_ID", "")
    secret = os.environ.get("KAIFONG_WECHAT_APP_SECRET", "")
    if not app_id or not secret:
        raise MenuError("--upload needs KAIFONG_WECHAT_APP_ID and KAIFONG_WECHAT_APP_SECRET")
    api_base = os.environ.get("KAIFONG_WECHAT_API_BASE") or DEFAULT_API_BASE
    try:
        asyncio.run(upload_menu(menu, app_id, secret, api_base))
    except ApiError as exc:
        raise MenuError(f"upload refused: {exc}") from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.wechat.menu",
                                     description="Print the WeChat custom menu JSON.")
    parser.add_argument("--services", default=",".join(TOP_SERVICES),
                        help="service ids for 办事指南, comma-separated (at most 5)")
    parser.add_argument("--catalog", default=None, help="catalog folder (default bot/catalog)")
    parser.add_argument("--language", choices=("cmn", "yue"), default="cmn")
    parser.add_argument("--script", choices=("hans", "hant"), default="hans")
    parser.add_argument("--upload", action="store_true", help="send it to WeChat too")
    args = parser.parse_args(argv)
    from bot.catalog import CatalogError
    try:
        ids = [sid.strip() for sid in args.services.split(",") if sid.strip()]
        menu = build_menu(catalog_names(ids, args.catalog, args.language, args.script),
                          labels_for(args.language, args.script))
        if args.upload:
            _upload(menu)
    except (MenuError, CatalogError) as exc:
        print(f"wechat menu: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(menu, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
