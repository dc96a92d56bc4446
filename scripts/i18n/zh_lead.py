"""Chinese for the lead's strings of issue 15 (administration in names, confirmations)."""

ZH = {
    "Active or not": "全部状态",
    "huying API": "呼应 API",
    "Anywhere": "不限地点",
    "Choose a place": "选择地点",
    "No organisation": "不属于任何组织",
    "Organisation (optional)": "所属组织（可不选）",
    "On the public pages, the phone numbers, identity numbers and e-mail addresses in your title are hidden.":
        "在公开页面上，您标题中的电话号码、身份证号和电子邮箱等个人信息已隐去。",
    "Clear": "清除",
    "Deactivated": "已停用",
    "Delete this routing rule? Cases routed from now on will follow the other rules.":
        "删除这条路由规则？此后派单将按其他规则路由。",
    "Delete this time limit? Deadlines set from now on will follow the other rules; deadlines already set stay.":
        "删除这条时限规则？此后新定的期限按其他规则计算，已定的期限不变。",
    "Disable %(name)s? It will no longer be offered for new reports.": "停用“%(name)s”？新的反映将不能再选它。",
    "Each fallback needs a kind of organisation and a level (a department only for a department).":
        "每个后备单位都要选组织类型和层级（只有部门才选具体部门）。",
    "Every role": "全部角色",
    "Name or username": "姓名或用户名",
    "No user matches.": "没有匹配的用户。",
    "Place (code, with everything below it)": "地点（编码，含其下各级）",
    "Remove %(date)s from the calendar? Deadlines computed from now on will count it as an ordinary day.":
        "从日历中移除 %(date)s？此后计算期限时，这一天按普通日子算。",
    "Search": "搜索",
    "Under %(place)s": "%(place)s及其下",
    "When that unit does not exist, try in order": "该单位不存在时，依次尝试",
    "After many failed sign-ins from several places, this account is locked for %(minutes)s minutes to protect it. If it was not you, tell your administrator.":
        "该账户在多处登录失败次数过多，为保护账户已锁定 %(minutes)s 分钟。如果不是您本人操作，请告知管理员。",
    "The password is too long (at most 128 characters).": "密码太长（最多 128 个字符）。",
    "The password must not be only spaces.": "密码不能全是空格。",
    "The password must not be the username.": "密码不能与用户名相同。",
    "The password needs at least %(n)d characters.": "密码至少需要 %(n)d 个字符。",
    "This password is one of the first that attackers try. Please choose another.":
        "这是攻击者最先尝试的常见密码之一，请换一个。",
}
PLURAL = {
    ("Disable %(name)s and the %(num)d category below it? They will no longer be offered for new reports.",
     "Disable %(name)s and the %(num)d categories below it? They will no longer be offered for new reports."):
        ("停用“%(name)s”及其下 %(num)d 个类别？新的反映将不能再选它们。",),
}
