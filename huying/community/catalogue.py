"""The default catalogue of service items a city starts with (党群服务中心的服务事项): what
a resident can ask for at a centre, the department and level responsible for it, the
materials to bring and the time limit in working days.

Synthetic but shaped on the items Guangdong's community service centres list publicly
(elderly care, social security, civil affairs, residence, health, employment, legal aid,
culture). A city edits its own catalogue afterwards; the codes are stable keys.
``one_stop``: accepted at any centre and handled where the responsible unit is (全区域通办);
an on-site service (a meal, a venue) is not a request: it is only offered where it is."""

from __future__ import annotations

from dataclasses import dataclass, field

from huying.orgs.models import Department


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name_zh: str
    name_en: str
    category: str
    department: Department | None
    level: str  # community | town | city
    time_limit_days: int
    materials: tuple[str, ...] = field(default=())
    one_stop: bool = True
    description: str = ""


#: The groups of the catalogue, in the order pages show them, with their names.
CATEGORIES: dict[str, tuple[str, str]] = {
    "elderly": ("养老服务", "Elderly care"),
    "social_security": ("社会保障", "Social security"),
    "civil_affairs": ("民政救助", "Civil affairs and assistance"),
    "residence": ("户籍居住", "Residence"),
    "health": ("医疗卫生", "Health"),
    "employment": ("就业创业", "Employment"),
    "legal": ("法律服务", "Legal services"),
    "culture": ("文体活动", "Culture and sports"),
    "children": ("儿童青少年", "Children and youth"),
}

D = Department
ID = "身份证"
HUKOU = "户口簿"
PHOTO = "近期一寸照片"
BANK = "本人银行卡"

#: The catalogue: (a short list; the demo offers all of it).
DEFAULT: tuple[CatalogueItem, ...] = (
    CatalogueItem("elder_canteen", "长者饭堂（助餐）", "Elderly canteen (meals)", "elderly", D.CIVIL_AFFAIRS,
                  "community", 1, (ID,), one_stop=False,
                  description="60 岁以上老人就餐，可预约送餐上门"),
    CatalogueItem("elder_allowance", "高龄津贴申领", "Old-age allowance", "elderly", D.CIVIL_AFFAIRS, "town", 10,
                  (ID, HUKOU, BANK)),
    CatalogueItem("home_care", "居家养老服务申请", "Home care for the elderly", "elderly", D.CIVIL_AFFAIRS, "town", 15,
                  (ID, HUKOU, "失能等级评估表")),
    CatalogueItem("social_card", "社保卡申领", "Social security card", "social_security", D.SOCIAL_SECURITY, "city", 10,
                  (ID, PHOTO)),
    CatalogueItem("flexible_insurance", "灵活就业人员参保登记", "Insurance for the self-employed", "social_security",
                  D.SOCIAL_SECURITY, "town", 5, (ID,)),
    CatalogueItem("retiree_check", "退休人员资格认证", "Pensioner's annual check", "social_security",
                  D.SOCIAL_SECURITY, "town", 3, (ID,)),
    CatalogueItem("medical_claim", "医疗费用零星报销", "Medical expenses claim", "social_security",
                  D.SOCIAL_SECURITY, "city", 20, (ID, "医疗费用发票", "病历及费用清单", BANK)),
    CatalogueItem("minimum_living", "最低生活保障申请", "Minimum living allowance", "civil_affairs", D.CIVIL_AFFAIRS,
                  "town", 30, (ID, HUKOU, "家庭收入及财产申报表", BANK)),
    CatalogueItem("temporary_relief", "临时救助申请", "Temporary relief", "civil_affairs", D.CIVIL_AFFAIRS, "town", 10,
                  (ID, HUKOU, "困难情况说明")),
    CatalogueItem("disability_subsidy", "残疾人两项补贴申请", "Disability subsidies", "civil_affairs",
                  D.CIVIL_AFFAIRS, "town", 20, (ID, "残疾人证", BANK)),
    CatalogueItem("residence_permit", "居住证办理", "Residence permit", "residence", D.PUBLIC_SECURITY, "town", 15,
                  (ID, PHOTO, "住所证明")),
    CatalogueItem("migrant_registration", "流动人口居住登记", "Registration of a new resident", "residence",
                  D.PUBLIC_SECURITY, "community", 3, (ID, "租赁合同或住所证明")),
    CatalogueItem("family_doctor", "家庭医生签约", "Family doctor contract", "health", D.HEALTH, "community", 5, (ID,)),
    CatalogueItem("elder_checkup", "老年人免费体检预约", "Free check-up for the elderly", "health", D.HEALTH,
                  "community", 5, (ID,)),
    CatalogueItem("job_registration", "就业失业登记", "Employment and unemployment registration", "employment",
                  D.SOCIAL_SECURITY, "town", 5, (ID, "劳动合同或解除劳动关系证明")),
    CatalogueItem("skills_training", "职业技能培训报名", "Skills training sign-up", "employment",
                  D.SOCIAL_SECURITY, "town", 5, (ID,)),
    CatalogueItem("legal_aid", "法律援助申请", "Legal aid", "legal", None, "town", 7, (ID, "经济困难说明")),
    CatalogueItem("mediation", "人民调解", "Mediation of a dispute", "legal", None, "community", 15, (ID,)),
    CatalogueItem("venue_booking", "文体场地预约", "Booking a venue for culture and sports", "culture", D.CULTURE,
                  "community", 2, one_stop=False),
    CatalogueItem("after_school", "四点半课堂报名", "After-school class sign-up", "children", D.CULTURE,
                  "community", 5, ("学生证或在读证明",), one_stop=False),
)


def by_code() -> dict[str, CatalogueItem]:
    return {item.code: item for item in DEFAULT}
