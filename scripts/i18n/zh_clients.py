"""Chinese of the API clients' administration page (Open311 keys), for
``scripts/i18n_fill.py zh scripts/i18n/zh_clients.py``."""

ZH = {
    "A client with this name exists.": "已有同名的接入应用。",
    "API client": "接入应用",
    "API clients": "接入应用",
    "API clients (Open311 keys)": "接入应用（Open311 密钥）",
    "Add a key": "再发一个密钥",
    "Application": "应用",
    "Applications that file residents' reports through Open311 (a city app, a mini-program, a hotline system). A client reads what the public reads and the status of what it filed; what the residents wrote stays theirs. Each key is shown once.":
        "通过 Open311 代群众提交诉求的应用（城市 App、小程序、热线系统）。接入应用只能看到公众可见的内容和它所提交诉求的办理状态；群众填写的内容只属于群众本人。每个密钥只显示一次。",
    "Clients": "应用列表",
    "Copy it now and give it to the application's operator: it is stored only as a fingerprint and cannot be shown again.":
        "请现在复制并交给应用的运维方：系统只保存其指纹，之后无法再次显示。",
    "Create the client and its key": "创建应用并生成密钥",
    "Created": "创建时间",
    "Give the client a name.": "请填写应用名称。",
    "In use": "使用中",
    "Key": "密钥",
    "Last used": "最近使用",
    "Name of the application": "应用名称",
    "New client": "新增接入应用",
    "No client yet.": "还没有接入应用。",
    "No key": "没有密钥",
    "Revoke": "吊销",
    "Revoked %(when)s": "已于 %(when)s 吊销",
    "The key of %(name)s:": "%(name)s 的密钥：",
}
