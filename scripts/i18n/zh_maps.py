"""The zh translations of the maps, the resident's pages and their words (issue 15):
``scripts/i18n_fill.py zh scripts/i18n/zh_maps.py`` fills the empty entries; ``FIX`` holds
existing entries whose wording or punctuation changed (applied over the current msgstr)."""

ZH = {
    # the maps
    "Where is this?": "这是哪里？",  # (kept from the catalogue: the entry was dropped while unused)
    "Point: %(where)s": "位置：%(where)s",
    "Chosen place: %(place)s": "已选位置：%(place)s",
    "Legend": "图例",
    "Where each report stands": "各条反映办到哪一步",
    "Tap a dot to open its report.": "点圆点可查看该条反映。",
    # the visitor's home
    "Report a problem in your neighbourhood": "身边有问题，随手反映",
    "This is the city's service for residents: tell us about a broken street light, rubbish, noise, a blocked drain or anything else where you live. The community and the unit responsible fix it, and you can follow each step until it is done.":
        "这是本市为居民开设的问题反映平台：路灯坏了、垃圾没清、噪音扰民、下水道堵塞……身边的问题都可以告诉我们。社区和责任单位负责处理，每一步进展您都可以随时查看，直到办结。",
    "Say what is wrong and where, with a photo if you can.": "说清楚是什么问题、在哪里，能拍照更好。",
    "It is sent to the unit that will fix it.": "问题会派给负责处理的单位。",
    "Follow it here, and tell us whether it is solved.": "在这里查看进展，办完后告诉我们是否解决。",
    "See what others have reported": "看看大家反映了什么",
    # the resident's home and reports
    "Home": "首页",
    "A broken street light, rubbish, noise, a blocked drain: tell us what and where, with a photo if you can. You can follow it here, step by step.":
        "路灯坏了、垃圾没清、噪音扰民、下水道堵塞……告诉我们是什么问题、在哪里，能拍照更好。每一步进展都可以在这里查看。",
    "All my reports": "我的全部诉求",
    "Progress": "办理进度",
    "Before": "处理前",
    "After": "处理后",
    # the five steps
    "Report received": "受理",
    "Assigned": "派单",
    "Being fixed": "处置",
    "Completed": "办结",
    # a case's progress in plain words
    "We have your report and are finding who should fix it.": "我们已收到您的反映，正在确定由哪个单位处理。",
    "It has been sent to the unit that will fix it.": "已派给负责处理的单位。",
    "The unit is working on it.": "处理单位正在处理。",
    "The unit says it is fixed: we will ask you whether it is solved.": "处理单位已处理完毕，我们会向您了解问题是否解决。",
    "You have told us it is solved: it is being closed.": "您已确认问题解决，正在办结。",
    "Done. Thank you for reporting it.": "已办结，感谢您的反映。",
    "It was not taken up: see the reason below.": "这条反映未予受理，原因见下方。",
    "The same problem was reported before: it is handled together with that report.": "同一问题此前已有人反映，将与那条反映一并处理。",
    # the timeline as a resident reads it
    "Sent to the unit that will fix it": "已派给处理单位",
    "The unit took it on": "处理单位已接单",
    "Sent back to be assigned again": "退回重新派单",
    "Passed to another unit": "转给其他单位处理",
    "Taken up by the level above": "提交上一级处理",
    "More time allowed to fix it": "同意延长处理时间",
    "The unit says it is fixed": "处理单位已处理完毕",
    "Checked with the reporter": "已回访反映人",
    "Not solved yet: back to the unit": "问题未解决，退回重新处理",
    "Not taken up": "不予受理",
    "Joined with an earlier report of the same problem": "与同一问题的先前反映合并处理",
    "Separated from the other report again": "已取消合并，单独处理",
    "Completed with the earlier report": "随先前反映一并办结",
    "Another resident reported the same problem": "其他居民也反映了这个问题",
    # the resident's part on a case page
    "Your say": "您的评价",
    "Is it solved?": "问题解决了吗？",
    "Send my answer": "提交评价",
    "Nothing is needed from you now: its progress shows here.": "目前不需要您做什么，进展会显示在这里。",
    # imperative action labels (buttons)
    "Classify": "分类",
    "Submit the handling": "提交处理结果",
    "Issue a supervision notice": "发出督办",
    "Return to the dispatcher": "退回派单人",
}

#: Existing entries given new words (none of the zh catalogue's ASCII colons was in Chinese
#: prose: the two left are the typed syntax ``类型:部门:层级`` of the routing fallbacks).
FIX: dict[str, str] = {}
