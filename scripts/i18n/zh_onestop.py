"""Chinese of one-stop acceptance (一站受理 · 全区域通办: the counter, a service request on the
case page, the resident's words for its statuses and its steps), for
``scripts/i18n_fill.py zh scripts/i18n/zh_onestop.py``."""

ZH = {
    # statuses, steps and buttons of a service request
    "Waiting for missing materials": "待补正材料",
    "Result ready for the resident": "已办结，待领取",
    "Result received, awaiting evaluation": "已领取，待评价",
    "Accepted at a service centre": "服务中心已受理",
    "Accepted at a service centre, materials to come": "服务中心容缺受理",
    "Missing materials asked for": "已通知补正材料",
    "Missing materials received": "材料已补齐",
    "Result delivered to the resident": "办理结果已送达",
    "Ask for missing materials": "通知补正材料",
    "The missing materials are in": "材料已补齐",
    "Deliver the result": "送达办理结果",
    "Collected at the counter": "窗口领取",
    "Told by phone or SMS": "电话或短信告知",
    "Sent by post": "邮寄送达",
    "Collect at the centre": "到服务中心领取",
    "Send by post": "邮寄",
    "Service centre counter": "党群服务中心窗口",
    "Problem report": "问题上报",
    "Service request": "办事申请",
    "Service counter": "一站受理窗口",
    "The deadline stops until the materials come in; then the item's time limit counts again from that day.":
        "补正材料期间暂停计时，材料补齐之日起重新计算办理时限。",
    "Which materials are missing, and why?": "需补正哪些材料？原因是什么？",
    "How did the resident receive the result?": "群众如何收到办理结果？",
    "Due by %(when)s": "%(when)s 前办结",
    # the case page
    "Service item": "服务事项",
    "Accepted at": "受理地点",
    "Time limit": "办理时限",
    "Materials brought": "已收材料",
    "Materials still to bring": "待补材料",
    "Result": "结果领取方式",
    "Resident's phone": "群众电话",
    "Your request was accepted at the service centre and sent to the office that handles it. It is due by the date below.":
        "您的申请已在党群服务中心受理，并已转交负责办理的部门，将在下方日期前办结。",
    "The office that handles your request is working on it.": "承办部门正在办理您的申请。",
    "Some materials are still missing: bring them to any service centre. The time limit counts again from the day they arrive.":
        "还缺少部分材料：请送到任一党群服务中心。材料补齐之日起重新计算办理时限。",
    "Your request is done: the result is ready for you.": "您的申请已办结，可以领取办理结果。",
    "You have received the result. Tell us whether you are satisfied.": "您已收到办理结果，请告诉我们是否满意。",
    "Your request is complete. Thank you.": "您的申请已全部办结，感谢您的支持。",
    "Your request could not be accepted: the reason is below.": "您的申请未能办理，原因见下方。",
    # the counter
    "Accept a service request": "受理办事申请",
    "Any item is accepted here, wherever the resident lives: the office responsible for it where they live handles it, within its time limit.":
        "无论群众住在哪里，各事项都可在此受理，由其居住地的责任部门在办理时限内办结（全区域通办）。",
    "Accepted. The resident's receipt code:": "已受理。群众的受理回执编号：",
    "Handled by": "承办单位",
    "The resident follows it with this code on the public lookup, or in “My reports” with their account.":
        "群众可凭此编号在公开查询中查看进度，或登录后在“我的上报”中查看。",
    "Choose an item": "请选择事项",
    "Show its materials": "显示所需材料",
    "Time limit:": "办理时限：",
    "No materials are needed.": "无需提交材料。",
    "Accept with materials still to come (容缺受理): the time limit starts when they arrive":
        "容缺受理：材料补齐后开始计算办理时限",
    "Where the resident lives": "群众居住地",
    "Household code (if registered)": "户编码（已登记的填写）",
    "Or their community's code": "或所在村（社区）编码",
    "Their account (optional)": "群众账号（选填）",
    "The result": "结果领取方式",
    "Accept and print the receipt": "受理并打印回执",
    "Choose the centre where you serve residents today.": "请选择您今天值守的党群服务中心。",
    "No service centre is within your place yet.": "您的辖区内还没有党群服务中心。",
    # the counter's refusals
    "Some required materials are missing: tick those the resident brought, or accept with materials still to come.":
        "缺少必需材料：请勾选群众已带的材料，或选择容缺受理。",
    "Every material is here: accept the request as complete.": "材料已齐全：请直接受理。",
    "This centre does not accept this item, or no office handles it where the resident lives.":
        "本中心不受理该事项，或群众居住地没有负责办理的部门。",
    "No registered household has this code.": "登记信息中没有此户编码。",
    "Say where the resident lives: a household code or a community code.": "请填写群众居住地：户编码或村（社区）编码。",
    "No resident has this account.": "没有此群众账号。",
    "Give the resident's phone (11 digits, or a landline like 0769-12345678) so that they can be told.":
        "请填写群众电话（11 位手机号，或 0769-12345678 这样的座机），以便告知办理结果。",
    "Choose how the resident receives the result.": "请选择结果领取方式。",
}

PLURAL = {
    ("%(num)d working day", "%(num)d working days"): ("%(num)d 个工作日",),
}
