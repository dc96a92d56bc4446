#!/usr/bin/env bash
# The web layer's message catalogues (huying/web/locale/{zh,en}/LC_MESSAGES/messages.po).
#
#   scripts/i18n.sh extract   # templates + Python -> huying/web/locale/messages.pot
#   scripts/i18n.sh update    # merge the .pot into every language's .po (new msgids appear empty)
#   scripts/i18n.sh compile   # .po -> .mo (the .mo files are committed: no Babel at run time)
#   scripts/i18n.sh check     # fail when a zh message is untranslated or fuzzy, or a .mo is stale
#   scripts/i18n.sh all      # extract, update, compile
#
# Workflow: write English text in templates with {{ _("...") }} or {% trans %}; run
# `scripts/i18n.sh extract update`; translate the new entries in zh/…/messages.po (and adjust
# English wording in en/…/messages.po if wanted: an empty msgstr there shows the msgid);
# run `scripts/i18n.sh compile` and commit the .po and .mo files.
# Needs Babel (a dev dependency) in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
LOCALE=huying/web/locale
POT=$LOCALE/messages.pot
LANGS=(zh en)

extract() {
  "$PYBABEL" extract -F $LOCALE/babel.cfg -o $POT --no-location --sort-output \
    --project=huying --copyright-holder="huying contributors" \
    --msgid-bugs-address="" -k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 huying/web
}

update() {
  for l in "${LANGS[@]}"; do
    if [[ -f $LOCALE/$l/LC_MESSAGES/messages.po ]]; then
      "$PYBABEL" update -i $POT -d $LOCALE -l "$l" --no-fuzzy-matching --ignore-obsolete
    else
      "$PYBABEL" init -i $POT -d $LOCALE -l "$l"
    fi
  done
}

compile() {
  "$PYBABEL" compile -d $LOCALE --statistics
}

check() {
  .venv/bin/python - <<'PY'
import sys
from pathlib import Path
from babel.messages.pofile import read_po
from babel.messages.mofile import read_mo

base = Path("huying/web/locale")
bad = []
for lang in ("zh", "en"):
    po_path = base / lang / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    po = read_po(po_path.open("rb"))
    mo = read_mo(mo_path.open("rb")) if mo_path.exists() else None
    for m in po:
        if not m.id:
            continue
        # A plural entry's msgstr is a tuple: translated when any form is.
        has = any(m.string) if isinstance(m.string, tuple) else bool(m.string)
        if lang == "zh" and (not has or m.fuzzy):
            bad.append(f"{lang}: untranslated or fuzzy: {m.id!r}")
        got = mo.get(m.id, m.context) if mo is not None else None
        same = got is not None and (tuple(got.string) == tuple(m.string) if isinstance(m.string, tuple) else got.string == m.string)
        if mo is None or (has and not same):
            bad.append(f"{lang}: {mo_path.name} is stale for {m.id!r} (run scripts/i18n.sh compile)")
print("\n".join(bad) or "catalogues complete")
sys.exit(1 if bad else 0)
PY
}

[[ $# -gt 0 ]] || set -- all
for cmd in "$@"; do
  case $cmd in
    extract|update|compile|check) $cmd ;;
    all) extract; update; compile ;;
    *) echo "usage: $0 [extract|update|compile|check|all]..." >&2; exit 2 ;;
  esac
done
