"""Weak labels from the official replies: the category whose departments a reply names.

A message of ``replied.csv`` carries the city's answer, which usually names the department that
handled it ("经向A市教育局核实…"). :func:`department_label` maps the departments named to the
first-level category they serve; a reply naming none, a tie, or a department of a category
outside the seven labelled ones (police, finance, land…) gives "". The served model is trained on
these messages too, at a low weight (docs/triage.md, "Classification": ``rules-0.3``).
"""

from __future__ import annotations

import re
from collections import Counter

#: category -> the departments that serve it ("": departments of the other categories)
DEPARTMENTS = {
    "教育文体": r"教育局|教育厅|教育体育局|教体局|文体局|体育局|文广新局",
    "劳动和社会保障": r"人社局|人社厅|人力资源和社会保障|人力资源社会保障|社保局|医保中心|医保局|"
                r"医疗保障局|医疗保险服务中心|医疗保险中心|劳动保障监察|劳动监察|社保中心|就业服务局|"
                r"社会保险服务中心|征缴中心|社会保障卡服务中心",
    "卫生计生": r"卫生健康委|卫健委|卫健局|卫生和计划生育|卫计局|卫计委|疾病预防控制中心|疾控中心|卫生局|"
            r"卫生监督|食品药品监督",
    "交通运输": r"交通运输局|交通局|运输管理所|运输管理处|公路局|交通运输厅|邮政管理局",
    "环境保护": r"环保局|环境保护局|生态环境局|环境保护厅|生态环境厅|环境监测|环保分局|环境局",
    "城乡建设": r"住建局|住房和城乡建设|城乡规划|规划局|规划分局|城管局|城管执法|行政执法局|住房保障|"
            r"房产局|房产管理局|房屋交易|不动产登记|城乡建设局|建设局|市政局|规建局|住建委",
    "商贸旅游": r"市场监督管理局|市场监管局|工商局|工商分局|工商行政管理|商务局|旅游局|文化旅游|文旅局|"
            r"质监局|质量技术监督|质量监督管理局|物价局",
    "": r"公安局|公安分局|派出所|交警|财政局|财政厅|国土|民政局|民政厅|农业局|林业局|水利局|水务局|"
        r"发展和改革|发改|纪委|税务|司法局|信访|自然资源",  # departments of other categories
}
_DEPT = {k: re.compile(v) for k, v in DEPARTMENTS.items()}


def department_label(reply: str) -> str:
    """The category whose departments the reply names most often ('' if none, a tie, or a
    department of a category outside the seven)."""
    c = +Counter({k: len(p.findall(reply)) for k, p in _DEPT.items()})
    if not c:
        return ""
    (top, n), *rest = c.most_common()
    return "" if rest and rest[0][1] >= n else top
