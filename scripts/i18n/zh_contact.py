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
