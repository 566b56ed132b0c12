"""Which aspect of a service a question is about: 「要带咩」→ materials.

The one list of aspect keywords: detect_aspect() reads a question with all of
them, and bot/controls.py answers the menu options materials / where / online
with the same words. Keyword rules on the normalised (Simplified) text; checked
in order, first wins.
"""
from __future__ import annotations

import re
from typing import Optional

ASPECT_WORDS = {
    "materials": r"带什么|带啥|带咩|带啲咩|带乜|带哪些|带边啲|要带|材料|证件|资料|文件|要咩证|"
                 r"准备什么|准备咩|准备啲咩",
    # 「社区打电话来说…」 tells how they heard, not that they want to do it by phone
    "online": r"手机|网上|线上|网办|上网|app|小程序|微信|公众号|粤省事|穗好办|电话办|打电话(?!来|嚟)|"
              r"唔使去|不用去|不去现场",
    # the hours are shown with the place, so 「几点开门」 is a where question; 「几时开始」
    # (when registration starts) is not about opening hours
    "where": r"去哪|哪里办|在哪|哪儿|边度|喺边|去边|地址|地点|窗口|大厅|几点|开门|关门|上班时间|"
             r"办公时间|星期几|周末|几时开(?!始)|营业",
    "who": r"谁可以|谁能|边个可以|边个先|条件|资格|符合|够唔够|多少岁|几多岁|几岁|能不能办|可唔可以办|"
           r"可不可以办|有没有份|有冇份",
    "time": r"多久|几耐|几长时间|几多日|多少天|几多钱|多少钱|几钱|收费|收唔收|收不收|要钱|使唔使钱|费用|免费",
    # only an explicit question about the procedure: a plain 「点样办」 gets the guided walk
    "steps": r"流程|步骤|手续|程序|几个步|边几步|哪几步",
}
_COMPILED = [(name, re.compile(pattern)) for name, pattern in ASPECT_WORDS.items()]


def detect_aspect(normalized: str) -> Optional[str]:
    for name, rx in _COMPILED:
        if rx.search(normalized):
            return name
    return None
