"""The command line's usage and error texts in Vietnamese. argparse writes them through gettext
(its module-level `_` and `ngettext`); Python ships no Vietnamese catalogue, so the parser built
by nq57/cli.py looks its texts up here, and names unnamed values in Vietnamese."""
from __future__ import annotations

import argparse

WORDS = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong: %(choices)s)",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ (%(type)s): %(value)r",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "not allowed with argument %s": "không dùng cùng với %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn chưa rõ: %(option)s có thể là %(matches)s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "không có lệnh %(parser_name)r (các lệnh: %(choices)s)",
}
# values without a metavar are shown by their name; these are the ones a reader meets
VALUE_NAMES = {"name": "TÊN", "file": "TỆP", "text": "VĂN_BẢN", "what": "LOẠI", "as_of": "NGÀY", "out": "TỆP",
               "db": "TỆP", "unit": "MÃ", "period": "KỲ", "reason": "LÝ_DO", "user": "TÀI_KHOẢN", "role": "VAI_TRÒ",
               "display_name": "TÊN", "since": "NGÀY", "action": "HÀNH_ĐỘNG", "scale": "QUY_MÔ", "runs": "SỐ_LẦN",
               "format": "ĐỊNH_DẠNG", "command": "LỆNH", "user_command": "LỆNH"}


def vietnamese(message: str) -> str:
    return WORDS.get(message, message)


def _plural(singular: str, plural: str, count: int) -> str:
    return vietnamese(singular if count == 1 else plural)


# argparse looks `_` and `ngettext` up in its module when it formats a text
argparse._ = vietnamese
argparse.ngettext = _plural


class VietnameseHelp(argparse.HelpFormatter):
    def _get_default_metavar_for_optional(self, action):
        return VALUE_NAMES.get(action.dest, "GIÁ_TRỊ")

    def _get_default_metavar_for_positional(self, action):
        return VALUE_NAMES.get(action.dest, "GIÁ_TRỊ")


class VietnameseParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Vietnamese; its subcommands inherit it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", VietnameseHelp)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        """Errors name a value by its metavar, else by its English dest ("thiếu tham số: name")."""
        action = super().add_argument(*args, **kwargs)
        if action.metavar is not None or action.nargs == 0:
            return action
        if action.choices and not action.option_strings:
            action.metavar = "{" + ",".join(map(str, action.choices)) + "}"
        elif not action.choices and action.dest in VALUE_NAMES:
            action.metavar = VALUE_NAMES[action.dest]
        return action

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("metavar", "LỆNH")
        return super().add_subparsers(**kwargs)
