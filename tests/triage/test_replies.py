"""Messages whose official reply names a department join the training data with its category."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from huying.cli import app
from huying.triage.replies import department_label
from huying.triage.training import PoolMessage, near_duplicates, reply_labelled, train_self_training
from tests.triage.conftest import TINY, write_csv

REPLY_SCHOOL = "网友：您好！经向A市教育局核实，该校已按规定退还补课费。"
REPLY_POLICE = "网友：您好！经A市公安局某派出所调查，该情况属实，已依法处理。"


def test_a_reply_naming_a_department_gives_its_category() -> None:
    assert department_label(REPLY_SCHOOL) == "教育文体"
    assert department_label("经人社局劳动保障监察支队调查，已责令公司补发工资。") == "劳动和社会保障"


def test_a_reply_naming_no_department_or_one_of_another_category_gives_none() -> None:
    assert department_label("您好，感谢您的来信。") == ""
    assert department_label(REPLY_POLICE) == ""  # police: a category outside the seven
    assert department_label("教育局与交通局已会商。") == ""  # a tie


def test_only_messages_whose_reply_names_a_trained_category_are_kept() -> None:
    pool = [PoolMessage("r:1", "学校补课", "收费", REPLY_SCHOOL),
            PoolMessage("r:2", "噪音", "夜里施工", REPLY_POLICE),
            PoolMessage("u:3", "公交", "班次少")]
    assert [(p.key, lab) for p, lab in reply_labelled(pool, ["教育文体", "交通运输"])] == [
        ("r:1", "教育文体")]
    assert reply_labelled(pool, ["交通运输"]) == []


def test_reply_labelled_messages_train_at_their_weight_and_are_not_self_trained() -> None:
    texts = [(s, d) for s, d, _ in TINY] * 2
    labels = [lab for _, _, lab in TINY] * 2
    pool = [("学校补课", "中学强制补课收费"), ("路灯不亮", "小区门口路灯坏了")]
    clf = train_self_training(texts, labels, pool, threshold=1.01,
                              reply_labels=["教育文体", "城乡建设"])  # 城乡建设: not trained
    assert clf.metadata["n_reply_labelled"] == 1 and clf.metadata["n_pseudo"] == 1
    assert clf.metadata["n_train"] == len(texts)


def test_a_re_post_of_a_labelled_message_is_a_near_duplicate() -> None:
    labelled = [("小区电梯坏了", "3栋电梯停运一周无人维修，老人上下楼困难")]
    pool = [("小区电梯坏了！", "3栋电梯停运一周无人维修，老人上下楼很困难"),
            ("公交班次太少", "希望增加公交线路班次")]
    assert near_duplicates(pool, labelled).tolist() == [True, False]


def test_train_uses_the_replies_of_an_unlabelled_file(tiny_csv: Path, tmp_path: Path) -> None:
    pool = write_csv(tmp_path / "replied.csv", [
        {"id": "1", "subject": "学校补课", "detail": "中学强制补课收费", "reply": REPLY_SCHOOL},
        {"id": "2", "subject": "噪音", "detail": "夜里施工", "reply": REPLY_POLICE},
    ], columns=["id", "subject", "detail", "reply"])
    res = CliRunner().invoke(app, ["triage", "train", "--data", str(tiny_csv), "--out",
                                   str(tmp_path / "m.npz"), "--unlabelled", str(pool)])
    assert res.exit_code == 0, res.output
    assert "(1 of them labelled by their reply)" in res.output
