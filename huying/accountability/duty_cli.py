"""``huying accountability``: responsibility lists, yearly reviews and weak organisations from
the command line, with the same rules as the API and the pages.

    huying accountability duties lists --as USER [--level town|community]
    huying accountability duties import FILE.csv|FILE.xlsx --as USER [--skip-bad]
    huying accountability duties import --defaults --as USER
    huying accountability duties add LIST --text TEXT --as USER [--answerable WHO]
    huying accountability duties reword ITEM --text TEXT --as USER
    huying accountability duties retire ITEM --reason TEXT --as USER
    huying accountability reviews create NODE --year YEAR --as USER
    huying accountability reviews invite REVIEW USER... --seat officer|council|representative --as USER
    huying accountability reviews report REVIEW --file REPORT.txt --as USER
    huying accountability reviews act REVIEW open|close|publish --as USER
    huying accountability reviews score REVIEW --scores SCORES.csv --as USER   (columns: item, score, comment)
    huying accountability reviews show REVIEW --as USER
    huying accountability weak run [--quarter 2025Q4] --as USER
    huying accountability weak flag NODE --reason TEXT --as USER
    huying accountability weak list [--year YEAR] --as USER
    huying accountability weak counts --as USER
"""

from __future__ import annotations

from pathlib import Path

import typer

from huying.accountability import duty_service as duties
from huying.accountability import review_service as reviews
from huying.accountability import weak_service as weak
from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_now
from huying.db import session_scope
from huying.intake.rows import FileError, Mode, read_table
from huying.orgs.actor import actor_for

app = typer.Typer(no_args_is_help=True)
duties_app = typer.Typer(no_args_is_help=True)
reviews_app = typer.Typer(no_args_is_help=True)
weak_app = typer.Typer(no_args_is_help=True)
app.add_typer(duties_app, name="duties", help="Responsibility lists (责任清单): lists, import, edit.")
app.add_typer(reviews_app, name="reviews", help="Yearly reviews (述职评议): create, invite, report, score, act.")
app.add_typer(weak_app, name="weak", help="Weak organisations (软弱涣散): run the rules, flag, list, counts.")

AS = typer.Option(..., "--as", help="Username of the account acting.")
NOW = typer.Option(None, help="ISO date-time taken as now (default: now).")


@app.callback()
def group() -> None:
    """Responsibilities, yearly reviews and weak organisations (issue #18)."""


# --------------------------------------------------------------------------- duties


@duties_app.command("lists")
def lists_(as_user: str = AS, level: str = typer.Option("", "--level")) -> None:
    with session_scope() as session, clean_errors():
        emit([v.as_dict() for v in duties.lists(session, actor_for(session, as_user), level=level or None)])


@duties_app.command("import")
def import_(path: Path = typer.Argument(None, help="A CSV (UTF-8) or XLSX file: list, list_name, level, number, "
                                                   "text, answerable (or 清单, 清单名称, 层级, 序号, 内容, 责任人)."),
            as_user: str = AS, defaults: bool = typer.Option(False, "--defaults", help="The default lists."),
            skip_bad: bool = typer.Option(False, "--skip-bad", help="Store the good rows, report the bad."),
            now: str = NOW) -> None:
    """Import items: every bad row is named by line and field; nothing is stored unless all are
    good (or with --skip-bad, the good ones)."""
    if (path is None) == (not defaults):
        fail("give a file or --defaults (not both)", EXIT_INVALID)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        try:
            rows = duties.default_rows() if defaults else list(read_table(
                path, columns=duties.COLUMNS, aliases=duties.ALIASES, required=("list", "number", "text"),
                place=False))
        except FileError as exc:
            fail(str(exc), EXIT_INVALID)
        out = duties.import_rows(session, actor, rows, now=parse_now(now),
                                 mode=Mode.SKIP_BAD if skip_bad else Mode.ALL_OR_NOTHING)
        for p in out.problems:
            typer.echo(f"{path}: {p}", err=True)
        emit(out.as_dict())
        if out.problems and not out.stored:
            raise typer.Exit(EXIT_INVALID)


@duties_app.command("add")
def add(list_code: str = typer.Argument(...), text: str = typer.Option(..., "--text"), as_user: str = AS,
        answerable: str = typer.Option("", "--answerable"), now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        emit(duties.item_dict(duties.add_item(session, actor_for(session, as_user), list_code, text=text,
                                              answerable=answerable, now=parse_now(now))))


@duties_app.command("reword")
def reword(item: int = typer.Argument(...), text: str = typer.Option(..., "--text"), as_user: str = AS,
           now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        emit(duties.item_dict(duties.reword_item(session, actor_for(session, as_user), item, text=text,
                                                 now=parse_now(now))))


@duties_app.command("retire")
def retire(item: int = typer.Argument(...), reason: str = typer.Option(..., "--reason"), as_user: str = AS,
           now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        emit(duties.item_dict(duties.retire_item(session, actor_for(session, as_user), item, reason=reason,
                                                 now=parse_now(now))))


# --------------------------------------------------------------------------- reviews


@reviews_app.command("create")
def review_create(node: str = typer.Argument(...), year: int = typer.Option(..., "--year"), as_user: str = AS,
                  now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        review = reviews.create(session, actor, node, year, now=parse_now(now))
        emit(reviews.get(session, actor, review.id).as_dict())


@reviews_app.command("invite")
def review_invite(review: int = typer.Argument(...), users: list[str] = typer.Argument(...),
                  seat: str = typer.Option(..., "--seat"), as_user: str = AS, now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        reviews.invite(session, actor, review, users, seat, now=parse_now(now))
        emit(reviews.get(session, actor, review).as_dict())


@reviews_app.command("report")
def review_report(review: int = typer.Argument(...), file: Path = typer.Option(..., "--file"), as_user: str = AS,
                  now: str = NOW) -> None:
    """Hand in the secretary's report (a UTF-8 text file)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}", EXIT_INVALID)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        reviews.submit_report(session, actor, review, text, now=parse_now(now))
        emit(reviews.get(session, actor, review).as_dict())


@reviews_app.command("act")
def review_act(review: int = typer.Argument(...), action: str = typer.Argument(..., help="open, close or publish"),
               as_user: str = AS, now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        reviews.act(session, actor, review, action, now=parse_now(now))
        emit(reviews.get(session, actor, review).as_dict())


@reviews_app.command("score")
def review_score(review: int = typer.Argument(...), scores: Path = typer.Option(..., "--scores",
                 help="CSV or XLSX: item, score, comment"), as_user: str = AS, now: str = NOW) -> None:
    """Score every item of a review once, from a file (each bad line named)."""
    given: dict[int, tuple[int, str | None]] = {}
    try:
        for line, row in read_table(scores, columns=("item", "score", "comment"), aliases={"条目": "item",
                                    "评分": "score", "评语": "comment"}, required=("item", "score"), place=False):
            try:
                given[int(row["item"])] = (int(row["score"]), row.get("comment") or None)
            except ValueError:
                fail(f"{scores}: line {line}: item and score are whole numbers", EXIT_INVALID)
    except FileError as exc:
        fail(str(exc), EXIT_INVALID)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        reviews.score(session, actor, review, given, now=parse_now(now))
        emit(reviews.get(session, actor, review).as_dict())


@reviews_app.command("show")
def review_show(review: int = typer.Argument(...), as_user: str = AS) -> None:
    with session_scope() as session, clean_errors():
        emit(reviews.get(session, actor_for(session, as_user), review).as_dict())


# --------------------------------------------------------------------------- weak organisations


@weak_app.command("run")
def weak_run(as_user: str = AS, quarter: str = typer.Option("", "--quarter", help="e.g. 2025Q4 (default: the "
                                                                                   "latest complete quarter)"),
             now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        emit(weak.run_rules(session, actor_for(session, as_user), quarter or None, now=parse_now(now)).as_dict())


@weak_app.command("flag")
def weak_flag(node: str = typer.Argument(...), reason: str = typer.Option(..., "--reason"), as_user: str = AS,
              now: str = NOW) -> None:
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        flag = weak.flag_by_hand(session, actor, node, reason, now=parse_now(now))
        emit(weak.get_flag(session, actor, flag.id).as_dict())


@weak_app.command("list")
def weak_list(as_user: str = AS, year: int = typer.Option(0, "--year")) -> None:
    with session_scope() as session, clean_errors():
        emit([v.as_dict() for v in weak.flags(session, actor_for(session, as_user), year=year or None)])


@weak_app.command("counts")
def weak_counts(as_user: str = AS) -> None:
    with session_scope() as session, clean_errors():
        emit([c.as_dict() for c in weak.yearly_counts(session, actor_for(session, as_user))])
