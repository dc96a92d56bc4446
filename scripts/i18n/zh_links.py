"""Chinese of member–household links (党员联户: the link map and 我的联系户), for
``scripts/i18n_fill.py zh scripts/i18n/zh_links.py``."""

ZH = {
    "Member–household links": "党员联户",
    "My linked households": "我的联系户",
    "Back to my area": "返回本辖区",
    "Each party member takes up to ten households near home; households with a need get a member with the "
    "matching specialty where one is near.":
        "每名党员就近联系不超过十户；有困难需求的住户优先由附近具备相应专长的党员联系。",
    "members": "名党员",
    "households linked": "户已联系",
    "with a need matched by specialty": "户有需求且专长匹配",
    "mean distance": "平均距离",
    "Link the members of this area again? Only the links the best solution changes are ended; the others stay.":
        "重新为本辖区党员联户？只结束最优方案改变的联系，其余保持不变。",
    "Link again": "重新联户",
    "Sub-areas": "下级区域",
    "Show its links": "查看",
    "Map of the members and their households": "党员及其联系户地图",
    "Dots: households, in their member's colour (grey: not linked). Squares: members' homes. A thin line joins "
    "a household to its member.":
        "圆点：住户，颜色与联系党员一致（灰色：尚未联系）；方块：党员住处；细线连接住户与其联系党员。",
    "Too many households to draw here: choose a sub-area.": "住户过多，无法在此绘制：请选择下级区域。",
    "Members and their load": "党员及联系户数",
    "Member": "党员",
    "Households linked": "联系户",
    "Specialties": "专长",
    "Record that this member has left? Their households go to other members nearby.":
        "确认该党员已退出联户？其联系户将转给附近其他党员。",
    "Record that they left": "登记退出",
    "Only the first %(n)s members are listed: choose a sub-area.": "仅列出前 %(n)s 名党员：请选择下级区域。",
    "No members live here yet.": "本辖区暂无党员。",
    "Household": "住户",
    "Not linked": "尚未联系",
    "households": "户",
    "%(km)s km": "%(km)s 公里",
    "%(m)s m": "%(m)s 米",
    "You are not linked to any household as a party member.": "您作为党员尚未联系任何住户。",
    "You have left the member–household links; your households went to other members.":
        "您已退出党员联户，原联系户已转给其他党员。",
    "%(distance)s from your home": "距您住处 %(distance)s",
    "Linked since %(date)s": "自 %(date)s 起联系",
    "No household is linked to you yet.": "暂无联系户。",
}

PLURAL = {
    ("Linked again: %(num)d household changed its member.", "Linked again: %(num)d households changed their member."):
        ("已重新联户：%(num)d 户更换了联系党员。",),
    ("The member has left: %(num)d household changed its member.",
     "The member has left: %(num)d households changed their member."):
        ("该党员已退出：%(num)d 户更换了联系党员。",),
    ("%(num)d household is linked to you (at most %(cap)s), nearest first.",
     "%(num)d households are linked to you (at most %(cap)s), nearest first."):
        ("您联系 %(num)d 户（最多 %(cap)s 户），由近及远。",),
}
