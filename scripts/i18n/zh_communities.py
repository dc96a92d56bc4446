"""Chinese of the division-list import (issue 22: the real communities, renamed from a
statistical division list), for ``scripts/i18n_fill.py zh scripts/i18n/zh_communities.py``."""

ZH = {
    "Division list": "区划代码表导入",
    "Division list: rename communities from the statistical codes": "区划代码表：按统计用区划代码更新社区名称",
    "Rename the communities from a division list": "按区划代码表更新社区名称",
    "Upload a division list (CSV or XLSX with the columns code, name, town_code, town_name: the statistical codes of the communities and villages) to rename the communities it names differently. A code the city does not have yet is only listed: a new community needs a polygon, drawn on the map page. You will see the changes before they are applied.":
        "上传区划代码表（CSV 或 XLSX，列为 code、name、town_code、town_name，即社区和村的统计用区划代码），更新名称有变化的社区。本市尚无的代码只列出：新社区需要边界，请在地图调整页面绘制。应用前可先预览变化。",
    "Communities renamed: %(n)s": "已更名的社区：%(n)s 个",
    "Choose a CSV or XLSX file.": "请选择 CSV 或 XLSX 文件。",
    "The file cannot be read as a division list: it needs a header line with code, name and town_code, in CSV (UTF-8) or XLSX.":
        "无法按区划代码表读取该文件：第一行须为含 code、name、town_code 的表头，格式为 CSV（UTF-8）或 XLSX。",
    "Some rows were refused; nothing was changed. Fix them, or choose to store the good rows.":
        "部分行未通过检查，未作任何修改。请修正这些行，或选择只保存合格的行。",
    "The list renames nothing: nothing was changed.": "代码表中没有需要更名的社区，未作任何修改。",
    "Division list (CSV or XLSX)": "区划代码表（CSV 或 XLSX）",
    "When rows are refused": "有不合格的行时",
    "Store nothing": "全部不保存",
    "Store the good rows": "只保存合格的行",
    "What the list would change": "代码表将带来的变化",
    "Rows read: %(n)s": "读取行数：%(n)s",
    "Renamed: %(n)s": "更名：%(n)s 个",
    "Unchanged: %(n)s": "无变化：%(n)s 个",
    "New codes that need a polygon: %(n)s": "需要绘制边界的新代码：%(n)s 个",
    "Refused rows: %(n)s": "不合格的行：%(n)s 行",
    "Refused rows": "不合格的行",
    "Line": "行号",
    "Column": "列",
    "Reason": "原因",
    "Renamed": "更名",
    "Name now": "现名称",
    "New name": "新名称",
    "New codes: they need a polygon": "新代码：需要绘制边界",
    "Nothing is stored for them. To add one, redraw the communities of its town on the map page with a polygon that has this code (property code) and its name.":
        "这些代码不会保存。如需新增，请在地图调整页面重划其所在镇街的社区，为新边界填写此代码（属性 code）和名称。",
    "Town": "镇街",
    "Redraw on the map": "在地图上重划",
    "Communities the list does not name": "代码表未列出的社区",
    "Nothing is done to them. A community that is gone is merged into its neighbour on the map page, with its cases and households.":
        "不作处理。已撤销的社区请在地图调整页面并入相邻社区，其事件和住户随之调整。",
    "Rename these communities now?": "现在更新这些社区的名称吗？",
    "Apply: rename %(n)s": "应用：更名 %(n)s 个",
    "Nothing can be applied while rows are refused: fix them, or upload again choosing to store the good rows.":
        "存在不合格的行时无法应用：请修正，或重新上传并选择只保存合格的行。",
    "Town code": "镇街代码",
    "Row": "整行",
    "The row has more values than the file has columns.": "该行的值多于表头的列数。",
    "This is not a town's code (9 digits).": "这不是镇街代码（应为 9 位数字）。",
    "The city has no town with this code.": "本市没有该代码的镇街。",
    "This town is outside the place you administer.": "该镇街不在您的管理范围内。",
    "This is not a community's code (12 digits).": "这不是社区代码（应为 12 位数字）。",
    "The code does not belong to this town: a community's code begins with its town's code.":
        "该代码不属于此镇街：社区代码须以所在镇街的代码开头。",
    "The code is also on line %(n)s.": "该代码在第 %(n)s 行已出现。",
    "The name is empty.": "名称为空。",
    "A name has at most 100 characters.": "名称最多 100 个字。",
}
