"""Chinese of community resources shared by its pages (roles, centres and the catalogue), for
``scripts/i18n_fill.py zh scripts/i18n/zh_community.py``."""

ZH = {
    "Co-building organisation": "共建单位",
}
