"""Why a message did not go (its ``last_error``, a status step's ``detail``, a dispatcher's last error),
said in Chinese for the pages. The dispatcher and the transports store these reasons in English; the
ones Arrears writes itself are translated here, a provider's own words (a code, an SMTP reply, an SMPP
status) stay as the provider said them, and any other text comes back unchanged. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from arrears.kit.localtime import local_text

_FIXED = {
    "deadline passed before it could be sent": "发送截止时间已过，未能发出",
    "no usable contact point": "没有可用的联系方式",
    "the contact point is invalid": "联系方式已失效",
    "blocked by the rulebook": "被合规规则拦截",
    "refused by the provider": "被服务商拒绝",
    "transient failure": "临时故障",
    "the connection dropped": "连接已断开",
    "the recipient is not a mobile number": "收件人不是手机号码",
    "not an e-mail address": "不是电子邮件地址",
    "the domain is not a valid name": "邮件域名无效",
    "the platform's answer is not JSON": "平台的应答不是 JSON",
    "the platform's answer has no results list": "平台的应答缺少结果列表",
    "the platform gave no result for it": "平台未返回该消息的结果",
    "the platform's result has no known status": "平台返回的结果状态无法识别",
}


def _moment(text: str) -> str:
    try:
        return local_text(datetime.fromisoformat(text))
    except ValueError:
        return text


_Said = Callable[[re.Match[str]], str]
_PATTERNS: tuple[tuple[re.Pattern[str], _Said], ...] = (
    (re.compile(r"gave up after (\d+) tries: (.*)", re.S),
     lambda m: f"尝试 {m[1]} 次后放弃：{reason_zh(m[2])}"),
    (re.compile(r"deadline passed while retrying: (.*)", re.S),
     lambda m: f"重试期间已过发送截止时间：{reason_zh(m[1])}"),
    (re.compile(r"deadline passed while waiting: (.*)", re.S),
     lambda m: f"等待期间已过发送截止时间：{reason_zh(m[1])}"),
    (re.compile(r"not allowed before (\S+), after its deadline"),
     lambda m: f"{_moment(m[1])} 之前不允许发送，已晚于发送截止时间"),
    (re.compile(r"no answer within ([\d.]+) s"), lambda m: f"{m[1]} 秒内无应答"),
    (re.compile(r"connection lost \((.*)\)", re.S), lambda m: f"连接中断（{m[1]}）"),
    (re.compile(r"the platform at (\S+) is down: (.*)", re.S), lambda m: f"平台 {m[1]} 不可用：{m[2]}"),
)  # fmt: skip


def reason_zh(reason: str) -> str:
    """``reason`` in Chinese when Arrears wrote it (its parts in Chinese in turn), else unchanged."""
    if reason in _FIXED:
        return _FIXED[reason]
    for pattern, said in _PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            return said(found)
    return reason
