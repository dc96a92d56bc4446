"""Chinese of the notification settings (/me/notifications) and the outbox page
(/admin/outbox), for ``scripts/i18n_fill.py zh scripts/i18n/zh_notify.py``."""

ZH = {
    "A channel can be switched on once its address is verified.": "地址验证通过后才能开启该通知方式。",
    "A code is on its way; it is valid for %(n)s minutes. Type it below.": "验证码已发送，%(n)s分钟内有效，请在下方输入。",
    "Add and send a code": "添加并发送验证码",
    "Ask for a code first.": "请先获取验证码。",
    "Attempts": "尝试次数",
    "Being sent": "发送中",
    "Change and send a code": "更换并发送验证码",
    "Channels": "通知方式",
    "Choose Chinese or English.": "请选择中文或英文。",
    "Choose e-mail or SMS.": "请选择电子邮件或短信。",
    "Choose how we tell you about your reports and your work. We send to an address only once you have "
    "confirmed it with the code we send there; until then it gets nothing else. Other people see your phone "
    "number masked.":
        "选择我们如何通知您反映的问题和您的工作。只有在您用我们发送的验证码确认地址后，才会向该地址发送通知；"
        "确认之前，除验证码外不发送任何消息。其他人看到的是隐去中间位数的手机号码。",
    "Confirm": "确认",
    "Confirmed": "已验证",
    "Confirmed: notifications now go to this address.": "验证成功：通知将发送到这个地址。",
    "Dead letters": "发送失败的消息（死信）",
    "E-mail": "电子邮件",
    "E-mail address": "电子邮箱",
    "Expired": "已过期",
    "Failed": "失败",
    "Five codes have been sent this hour: try again later.": "一小时内已发送五次验证码，请稍后再试。",
    "Give an address first.": "请先填写地址。",
    "Given up (dead letter)": "已放弃（死信）",
    "How to tell me": "通知我的方式",
    "Language of the pages and messages": "页面和通知的语言",
    "Messages wait in the outbox until a worker sends them. A message to a person goes out through the e-mail "
    "and SMS channels the person chose and verified. A failed attempt is tried again later, each time waiting "
    "longer; after the last attempt, or when the address is refused, the message becomes a dead letter. Fix the "
    "cause, then queue it again.":
        "消息在发件箱中等待后台任务发送。发给个人的消息通过其选择并验证过的电子邮件和短信发送。发送失败会稍后重试，"
        "每次等待更久；最后一次尝试仍失败，或地址被拒收时，消息成为死信。请先排除原因，再重新排队发送。",
    "Mobile number": "手机号码",
    "My notifications": "我的通知设置",
    "No dead letter.": "没有死信。",
    "No message is waiting.": "没有等待发送的消息。",
    "Not confirmed yet": "尚未验证",
    "Notifications": "通知",
    "Notifications: outbox and dead letters": "通知：发件箱和死信",
    "Oldest waiting message: queued %(when)s.": "等待最久的消息：%(when)s 入队。",
    "Passed to the person's channels": "已转交本人选择的通知方式",
    "Queue again": "重新发送",
    "Queued": "入队时间",
    "Recipient": "收件人",
    "SMS": "短信",
    "SMS (mobile phone)": "短信（手机）",
    "Send a new code": "重新发送验证码",
    "Sent": "已发送",
    "Subject": "主题",
    "The address is removed.": "地址已删除。",
    "The code has expired or was mistyped too often: ask for a new one.": "验证码已过期或输错次数过多，请重新获取。",
    "The code is wrong: check the message and type it again.": "验证码不正确，请核对后重新输入。",
    "The message is queued again.": "消息已重新排队发送。",
    "The outbox is empty.": "发件箱是空的。",
    "This address is verified already.": "这个地址已经验证过了。",
    "This is not a mobile number: give the 11 digits, starting 13 to 19.": "手机号码格式不正确：请填写以13至19开头的11位号码。",
    "This is not an e-mail address (name@example.org, at most 80 characters).":
        "电子邮箱格式不正确（如 name@example.org，最多80个字符）。",
    "To a reporter's contact": "发给反映人的联系方式",
    "To a unit": "发给单位",
    "To an account": "发给账号",
    "Waiting": "等待发送",
    "With none ticked, you see news only when you sign in.": "都不勾选时，您只能在登录后查看消息。",
    "confirm an address first": "请先验证地址",
    "Verification code": "验证码",
}
