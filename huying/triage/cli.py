"""``huying triage``: train and evaluate the message classifier.

    huying triage train --data labelled.csv [--unlabelled u.csv ...] --out model.npz
    huying triage eval --model model.npz --data labelled.csv     # last line: macro_f1=0.XXXX
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from huying.triage.classifier import ModelError, TextClassifier
from huying.triage.data import DataError, read_messages

app = typer.Typer(no_args_is_help=True)


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code=2)


@app.command()
def train(
    data: Path = typer.Option(..., "--data", help="Labelled CSV (id,user,subject,time,detail,label)."),
    out: Path = typer.Option(..., "--out", help="Where to write the model (.npz)."),
    unlabelled: list[Path] = typer.Option(
        [], "--unlabelled", help="CSV(s) of unlabelled messages (subject, detail, optional reply) "
        "for reply labels and self-training: --unlabelled A.csv B.csv or --unlabelled A.csv "
        "--unlabelled B.csv."
    ),
    threshold: float = typer.Option(0.7, help="Pseudo-label only pool messages this sure."),
    trained_at: str = typer.Option(None, help="Training date to record (default: now, UTC)."),
    more_unlabelled: list[Path] = typer.Argument(None, hidden=True),
) -> None:
    """Train the classifier on DATA (plus pseudo-labelled UNLABELLED messages) into OUT."""
    if more_unlabelled:  # `--unlabelled A.csv B.csv`: the files after the first
        if not unlabelled:
            _fail(f"unexpected argument {more_unlabelled[0]} (unlabelled files follow --unlabelled)")
        unlabelled = [*unlabelled, *more_unlabelled]
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from huying.triage.replies import department_label
    from huying.triage.training import load_pool, train_self_training

    try:
        rows = read_messages(data, require_label=True)
        pool = load_pool(unlabelled, exclude_subjects={r.subject for r in rows})
    except DataError as exc:
        _fail(str(exc))
    labels = [r.label or "" for r in rows]
    if len(set(labels)) < 2:
        _fail(f"{data}: field label: need at least two categories, found {sorted(set(labels))}")
    stamp = trained_at or datetime.now(UTC).replace(microsecond=0).isoformat()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("training", total=None)
        clf = train_self_training(
            [r.message for r in rows], labels, [p.message for p in pool],
            threshold=threshold, trained_at=stamp,
            reply_labels=[department_label(p.reply) if p.reply else "" for p in pool],
            extra_metadata={"version": stamp, "data": str(data),
                            "unlabelled": [str(u) for u in unlabelled]},
            progress=lambda msg: bar.update(task, description=msg),
        )
    try:
        clf.save(out)
    except OSError as exc:
        _fail(f"{out}: cannot write model ({exc.strerror or exc})")
    meta = clf.metadata
    typer.echo(
        f"trained on {meta['n_train']} labelled + {meta['n_pseudo']} pseudo-labelled messages "
        f"({meta.get('n_reply_labelled', 0)} of them labelled by their reply), "
        f"{len(clf.labels)} categories, {meta['n_features']} features, "
        f"T={clf.temperature:.2f} → {out}"
    )


@app.command("eval")
def evaluate(
    model: Path = typer.Option(..., "--model", help="A model written by `huying triage train`."),
    data: Path = typer.Option(..., "--data", help="Labelled CSV to score the model on."),
) -> None:
    """Score MODEL on DATA: accuracy, macro-F1, per-class F1, confusion matrix."""
    from huying.triage.evaluation import evaluate as score
    from huying.triage.evaluation import render_report

    try:
        clf = TextClassifier.load(model)
    except ModelError as exc:
        _fail(str(exc))
    try:
        rows = read_messages(data, require_label=True, known_labels=clf.labels)
    except DataError as exc:
        _fail(str(exc))
    preds = clf.predict([r.message for r in rows])
    report = score([r.label or "" for r in rows], [p.label for p in preds], clf.labels)
    typer.echo(render_report(report, model=str(model), data=str(data)))


@app.command()
def retrain(
    city: str = typer.Option(..., "--city", help="City code, e.g. 441900."),
    data: Path = typer.Option(None, "--data", help="Seed labelled CSV (default: the shared "
                              "labelled.csv when found)."),
    now: str = typer.Option(None, help="ISO date-time of the training (its version)."),
    cv_folds: int = typer.Option(3, help="Folds of the cross-validated metrics (0: none)."),
) -> None:
    """Retrain from the city's own classified cases plus the seed data; writes a versioned
    model with its metrics under the data directory, which the server picks up without a
    restart."""
    from huying.clikit import clean_errors, emit, parse_now
    from huying.db import session_scope
    from huying.geo import service as geo
    from huying.triage.corrections import retrain as do_retrain
    from huying.triage.corrections import seed_examples

    if data is None:
        from huying.triage.data import messages_dir

        folder = messages_dir()
        if folder is None:
            _fail("give --data (no labelled.csv found beside the checkout)")
        data = folder / "labelled.csv"
    try:
        seed = seed_examples(data)
    except DataError as exc:
        _fail(str(exc))
    moment = parse_now(now)
    with session_scope() as session, clean_errors():
        c = geo.get_city(session, city)
        path, metrics = do_retrain(session, c.id, c.code, seed, now=moment, cv_folds=cv_folds)
    emit({"model": str(path), **metrics})


@app.command("corrections")
def corrections_cmd(
    city: str = typer.Option(..., "--city", help="City code."),
) -> None:
    """List the staff's corrections of the classifier (derived from the events), JSON lines."""
    import json

    from huying.clikit import clean_errors
    from huying.db import session_scope
    from huying.geo import service as geo
    from huying.triage.corrections import as_dicts, corrections

    with session_scope() as session, clean_errors():
        c = geo.get_city(session, city)
        for row in as_dicts(corrections(session, c.id)):
            typer.echo(json.dumps(row, ensure_ascii=False))
