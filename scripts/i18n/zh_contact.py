"""Chinese of the contact figures on the leader's page and the coverage map, for
``scripts/i18n_fill.py zh scripts/i18n/zh_contact.py``."""

ZH = {
    "Contact with households": "联系群众",
    "Households overdue for a visit": "逾期未走访户数",
    "Requests collected on visits": "走访收集诉求",
    "handled": "已办结",
    "Problems found on walks": "行走发现问题",
    "fixed on the spot": "立行立改",
    "closed": "已整改",
    "Households not visited in the period": "本期未走访的户",
    "No household assigned": "未分配走访户",
    "All visited": "全部已走访",
    "Up to 10%% not visited": "未走访不超过10%%",
    "10–25%% not visited": "未走访10–25%%",
    "25–50%% not visited": "未走访25–50%%",
    "Over 50%% not visited": "未走访超过50%%",
    "Household overdue for a visit": "逾期未走访的户",
    "Household not visited in the period": "本期未走访的户",
    "Not visited": "未走访",
    "Open a community in the table below to see its households on the map.": "在下表中打开一个社区，即可在地图上看到其未走访的户。",
}
ZH.update({
    "Assign households to visit": "分配走访户",
    "Tick at least one household (at most %(n)s at once).": "请至少勾选一户（每次最多 %(n)s 户）。",
    "Choose the cadre from the list.": "请从列表中选择驻点干部。",
    "A household you ticked has moved out of the register: the list is updated, tick again.": "所勾选的住户中有已迁出的，列表已更新，请重新勾选。",
    "Choose a community or a grid: its households are listed with their cadre.": "选择社区或网格，列出其住户及驻点干部。",
    "Cadre": "驻点干部",
    "Choose a cadre": "选择驻点干部",
    "Households without a cadre come first. Ticked households get the chosen cadre; their next visit is due a cycle after their last visit.": "未分配的住户排在前面。勾选的住户将分配给所选干部；下次走访期限为上次走访后一个周期。",
    "Choose": "选择",
    "Address": "地址",
    "Last visit": "上次走访",
    "No cadre": "未分配",
    "The first %(n)s households are listed: choose a grid to see the others.": "仅列出前 %(n)s 户，请选择网格查看其余住户。",
    "Give to the cadre": "分配给该干部",
    "No household is registered here.": "此处没有登记的住户。",
})

PLURAL = {
    ("%(num)s household given to its cadre.", "%(num)s households given to their cadre."): ("已为 %(num)s 户分配驻点干部。",),
}
ZH.update({
    "Enterprise": "企业",
    "Visit this enterprise": "走访该企业",
    "Enterprises and other units": "企业和单位",
})
ZH.update({"Walks": "行走次数", "on a ledger": "列入台账"})
ZH.update({"Staff member": "姓名", "Households linked": "联系户"})
ZH.update({
    "Enterprises: %(visited)s of %(assigned)s visited, %(n)s overdue": "企业：已走访 %(visited)s / %(assigned)s 家，超期 %(n)s 家",
    "Enterprises visited": "走访企业",
    "of %(n)s assigned": "共分配 %(n)s 家",
})
