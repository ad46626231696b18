"""Vocabulary enums and intake validation: codes in English, messages in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from xzconsole.clock import SHANGHAI
from xzconsole.models import (
    AppealType,
    Event,
    Policy,
    Role,
    Satisfaction,
    Source,
    Status,
    Ticket,
    TicketIntake,
    uscc_check_char,
    validate_phone,
    validate_uscc,
)

# a real-shaped code: 91 (enterprise), 320300 (徐州), then 9 + check character
GOOD_USCC = "91320300MA1N00001" + uscc_check_char("91320300MA1N00001")


def test_codes_labels_and_aliases_parse_both_ways():
    assert AppealType.parse("政策咨询") is AppealType.POLICY_CONSULTATION
    assert AppealType.parse("complaint") is AppealType.COMPLAINT
    assert AppealType.parse("咨询") is AppealType.POLICY_CONSULTATION  # a bare 咨询 keeps the 1-day limit (SPEC §3)
    assert AppealType.parse("求助") is AppealType.CONSULTATION
    assert Source.parse("12345") is Source.HOTLINE and Source.HOTLINE.label == "12345热线"
    assert Satisfaction.parse("基本满意") is Satisfaction.BASICALLY_SATISFIED
    assert Satisfaction.parse("联系不上") is Satisfaction.UNREACHABLE
    assert Status.SIGNED.label == "办理中" and Status.parse("已签收") is Status.SIGNED
    assert Role.parse("值班长") is Role.SUPERVISOR
    assert ("投诉", "complaint") in AppealType.choices()
    with pytest.raises(ValueError, match="无法识别的诉求类型“抱怨”"):
        AppealType.parse("抱怨")


def test_uscc_check_character():
    assert validate_uscc(GOOD_USCC.lower()) == GOOD_USCC
    assert validate_uscc(" " + GOOD_USCC + " ") == GOOD_USCC
    wrong = GOOD_USCC[:17] + ("0" if GOOD_USCC[17] != "0" else "1")
    with pytest.raises(ValueError, match="校验位错误"):
        validate_uscc(wrong)
    with pytest.raises(ValueError, match="18 位"):
        validate_uscc("913203")
    with pytest.raises(ValueError, match="不允许的字符"):
        validate_uscc("91320300MA1N0000I" + "1")


@pytest.mark.parametrize("raw,norm", [("138 0516 1234", "13805161234"), ("+8613805161234", "13805161234"),
                                      ("0516-83801234", "0516-83801234"), ("051683801234", "0516-83801234"),
                                      ("02588886666", "025-88886666")])
def test_phone_numbers_normalised(raw, norm):
    assert validate_phone(raw) == norm


def test_bad_phone_refused_in_chinese():
    with pytest.raises(ValueError, match="不是有效的手机号"):
        validate_phone("12345")


def test_intake_validates_with_chinese_messages():
    t = TicketIntake(appeal_type="投诉", enterprise_name="  徐州恒达机械有限公司 ", content="稳岗返还未到账",
                     uscc=GOOD_USCC.lower(), contact_phone="13805161234", received_at="2026-11-26 17:05", source="")
    assert t.appeal_type is AppealType.COMPLAINT and t.enterprise_name == "徐州恒达机械有限公司"
    assert t.uscc == GOOD_USCC and t.source is Source.HOTLINE
    assert t.received_at == dt.datetime(2026, 11, 26, 17, 5, tzinfo=SHANGHAI)
    for bad, words in (({"enterprise_name": " "}, "企业名称不能为空"), ({"content": ""}, "诉求内容不能为空"),
                       ({"uscc": "91320300MA1N000010"}, "统一社会信用代码"), ({"appeal_type": "x"}, "诉求类型"),
                       ({"received_at": "明天"}, "无法识别的时间")):
        values = {"appeal_type": "投诉", "enterprise_name": "徐州恒达", "content": "内容", **bad}
        with pytest.raises(ValidationError) as exc:
            TicketIntake(**values)
        assert words in str(exc.value)


def test_ticket_awaiting_reply_and_event_labels():
    base = dict(id=1, number="XZ2026112600001", received_at="2026-11-26T09:00:00+08:00", source="hotline",
                appeal_type="complaint", enterprise_name="徐州恒达", status="dispatched", due_date="2026-12-03")
    assert Ticket.model_validate(base).awaiting_reply
    assert not Ticket.model_validate({**base, "status": "replied"}).awaiting_reply
    assert not Ticket.model_validate({**base, "due_date": None}).awaiting_reply
    assert Ticket.model_validate({**base, "status": "closed"}).is_open is False
    ev = Event(id=1, ticket_id=1, at="2026-11-26T09:00:00+08:00", actor="sup", action="recompute_due")
    assert ev.action_label == "日历调整·重算期限"
    assert Event(id=2, ticket_id=1, at="2026-11-26T09:00:00+08:00", actor="rsj", action="sign").action_label == "签收"


def test_policy_needs_summary_and_interpreter_to_publish():
    p = Policy(title="稳岗返还政策")
    assert "摘要" in p.publish_refusal() and "解读人姓名" in p.publish_refusal()
    p = Policy(title="稳岗返还政策", summary="摘要", interpreter_name="张科长", interpreter_phone="0516-83801234")
    assert p.publish_refusal() is None


def test_a_raw_nul_in_a_typed_name_is_refused():
    """Issue 12: the readers refused NUL, the console's intake did not."""
    with pytest.raises(ValidationError, match="空字符"):
        TicketIntake(appeal_type="consultation", enterprise_name="徐州\x00云龙机械有限公司", contact_phone="13900000001",
                     content="路灯不亮")
