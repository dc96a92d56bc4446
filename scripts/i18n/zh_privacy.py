"""Chinese of the privacy notices (issue 19: personal data in free text hidden on the public
surfaces, and the reporter told), for ``scripts/i18n_fill.py zh scripts/i18n/zh_privacy.py``."""

ZH = {
    "Your text holds personal data (phone or identity numbers, e-mail addresses, people's names): the public "
    "pages hide it.": "您填写的内容中含有电话号码、身份证号、电子邮箱、姓名等个人信息，公开时已隐去。",
}
