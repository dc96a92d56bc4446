from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

MESSAGES = SHARED_DATA / "messages"
COLUMNS = ["id", "user", "subject", "time", "detail", "label"]

# A tiny sanity set written for the tests (not from the data): three clear categories.
TINY = [
    ("小学学位不足", "孩子今年上小学，学校说学位已满，请教育局解决入学问题", "教育文体"),
    ("学校乱收费", "中学要求家长交补课费和资料费，违反教育规定", "教育文体"),
    ("幼儿园收费太高", "民办幼儿园学费每学期上涨，家长负担重", "教育文体"),
    ("公交班次太少", "公交车等半小时才来一趟，希望增加公交线路班次", "交通运输"),
    ("出租车拒载", "出租车司机拒载绕路，希望交通部门管理", "交通运输"),
    ("道路限行问题", "高速收费站拥堵，货车限行影响交通出行", "交通运输"),
    ("社保缴费问题", "公司不给员工缴纳社保和养老保险，劳动合同到期不续签", "劳动和社会保障"),
    ("拖欠工资", "工地老板拖欠农民工工资半年，请劳动监察部门处理", "劳动和社会保障"),
    ("退休养老金", "退休后养老金计算有误，社保局不予解释", "劳动和社会保障"),
]


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def tiny_rows(repeat: int = 2) -> list[dict[str, str]]:
    rows = []
    for r in range(repeat):
        for i, (s, d, lab) in enumerate(TINY):
            rows.append({"id": str(r * 100 + i), "user": f"U{i}", "subject": s,
                         "time": "2020/1/1 9:00:00", "detail": d + "。" * r, "label": lab})
    return rows


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "tiny.csv", tiny_rows())


def labelled_rows() -> list[dict[str, str]]:
    path = MESSAGES / "labelled.csv"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
