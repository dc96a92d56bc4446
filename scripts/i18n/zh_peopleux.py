"""Chinese of a person's page, the account picker, an account's open cases and the audit's
new words (issue 22), for ``scripts/i18n_fill.py zh scripts/i18n/zh_peopleux.py``."""

ZH = {
    "Person": "人员",
    "Name, place and organisation": "姓名、所在区域与所属组织",
    "No place (the organisation's)": "不指定区域（随所属组织）",
    "Accounts": "关联账号",
    "No account linked.": "尚未关联账号。",
    "Unlink": "解除关联",
    "Unlink the account %(account)s from %(name)s? The account itself stays as it is.":
        "确定解除账号 %(account)s 与 %(name)s 的关联？账号本身保持不变。",
    "Choose an account": "选择账号",
    "Account": "账号",
    "Link the account": "关联账号",
    "Type a name": "输入姓名",
    "No account of that name": "没有这个名称的账号",
    "Choose an account from the list.": "请从列表中选择账号。",
    "This account is linked to this person already.": "该账号已关联到此人员。",
    "This account belongs to another person: unlink it there first.": "该账号已关联到其他人员，请先在那里解除关联。",
    "This account is not linked to this person.": "该账号未关联到此人员。",
    "Saved.": "已保存。",
    "account linked": "关联账号",
    "account unlinked": "解除账号关联",
    "Open case of the unit": "本单位的未结案件",
    "Revoke the key %(name)s? Its next request is refused.": "确定吊销密钥 %(name)s？其下一次请求将被拒绝。",
}

PLURAL = {
    ("It is the last active handler of its unit: %(num)d open case of the unit is sent on from its page.",
     "It is the last active handler of its unit: %(num)d open cases of the unit are sent on from their pages."):
        ("该账号是本单位最后一名在岗办理人员：本单位 %(num)d 件未结案件需在案件页面转交。",),
}
ZH["Roster of people"] = "人员名册"
ZH["Full name"] = "姓名"
