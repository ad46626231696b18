from xzconsole.models import TicketIntake


def test_intake_to_close(store, staff, clock):
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="咨询求助", enterprise_name="徐州恒通机械有限公司", content="稳岗返还何时到账"))
    t = store.tickets.dispatch(staff["clerk"], t.id, "市人社局", version=t.version)
    assert str(t.due_date) == "2026-12-01"  # Thu + 3 working days: Fri, Mon, Tue
    t = store.tickets.sign(staff["rsj"], t.id, version=t.version)
    t = store.tickets.reply(staff["rsj"], t.id, "已到账", version=t.version)
    t = store.tickets.follow_up(staff["clerk"], t.id, "满意", version=t.version)
    assert t.status.value == "closed"
