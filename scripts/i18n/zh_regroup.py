"""Chinese of merging and splitting communities with their grids (issue 22), for
``scripts/i18n_fill.py zh scripts/i18n/zh_regroup.py``."""

ZH = {
    "This grid would lie across two communities: redraw the grids first, so that each grid lies in one community.":
        "该网格将跨越两个村(社区)：请先重划网格，使每个网格只属于一个村(社区)。",
    "Grids that would change community: %(n)s": "将调整所属村(社区)的网格：%(n)s 个",
    "Open cases in them: %(n)s": "其中未办结的事件：%(n)s 件",
    "Households in them: %(n)s": "其中的住户：%(n)s 户",
    "Grids that would change community": "将调整所属村(社区)的网格",
    "Each grid keeps its code, its households and its cases; its open cases get an event, and the community's officers see them from now on.":
        "网格沿用原编码，住户和事件随网格不变；未办结的事件各记一条调整记录，此后由新所属村(社区)的工作人员查看和跟进。",
    "Community before": "原所属村(社区)",
    "Community after": "调整后所属村(社区)",
    "Open cases that would change community": "将调整所属村(社区)的未办结事件",
    "Open cases": "未办结事件",
    "Grids moved to another community: %(n)s": "调整所属村(社区)的网格：%(n)s 个",
    "To merge or split communities, upload the town's communities with the new boundaries: each grid goes, with its code, to the community that holds it, with its cases and households. A grid that a new boundary would cut is refused: redraw the grids first.":
        "合并或拆分村(社区)：上传本镇街各村(社区)的新边界，每个网格连同其编码、事件和住户归入包含它的村(社区)。新边界切开的网格不予接受：请先重划网格。",
}
