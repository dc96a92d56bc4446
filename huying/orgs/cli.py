"""``huying token``: API tokens for users."""

from __future__ import annotations

import typer

from huying.clikit import clean_errors, emit, parse_now
from huying.db import session_scope
from huying.orgs import tokens
from huying.orgs.service import get_user

app = typer.Typer(no_args_is_help=True)


@app.command()
def create(username: str, name: str = typer.Option("cli", help="What the token is for.")) -> None:
    """Create an API token for USERNAME; the token is printed once and stored hashed."""
    with session_scope() as session, clean_errors():
        row, token = tokens.create(session, get_user(session, username), name, now=parse_now(None))
        session.commit()
        emit({"id": row.id, "user": username, "name": row.name, "token": token})


@app.command()
def revoke(token_id: int) -> None:
    """Revoke a token by its id."""
    with session_scope() as session, clean_errors():
        row = tokens.revoke(session, token_id, now=parse_now(None))
        session.commit()
        emit({"id": row.id, "revoked_at": row.revoked_at})
