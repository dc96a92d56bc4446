"""``huying token``: API tokens for users; ``huying client``: API clients (Open311 keys)."""

from __future__ import annotations

import typer

from huying.clikit import clean_errors, emit, parse_now
from huying.db import session_scope
from huying.geo import service as geo
from huying.orgs import clients, tokens
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


#: ``huying client``: the applications that file reports through Open311 (huying.orgs.clients).
clients_app = typer.Typer(no_args_is_help=True)
CityOpt = typer.Option(None, "--city", help="City code (default: the only city).")


@clients_app.command("create")
def client_create(name: str = typer.Argument(..., help="The application's name, e.g. 'i东莞 app'."),
                  city: str = CityOpt) -> None:
    """Create an API client and its first key; the key is printed once and stored hashed."""
    with session_scope() as session, clean_errors():
        user, key = clients.create(session, geo.get_city(session, city).id, name, now=parse_now(None))
        session.commit()
        emit({"client": user.id, "name": user.display_name, "key": key})


@clients_app.command("list")
def client_list(city: str = CityOpt) -> None:
    """The city's API clients and their keys (prefixes only)."""
    with session_scope() as session, clean_errors():
        emit([{"client": c.user.id, "name": c.user.display_name, "active": c.user.active,
               "keys": [{"id": k.id, "prefix": k.prefix, "created_at": k.created_at, "revoked_at": k.revoked_at,
                         "last_used_at": k.last_used_at} for k in c.keys]}
              for c in clients.listing(session, geo.get_city(session, city).id)])


@clients_app.command("add-key")
def client_add_key(client: int = typer.Argument(..., help="The client's id (see list)."), city: str = CityOpt) -> None:
    """Another key for a client (rotate: add one, move the application, revoke the old)."""
    with session_scope() as session, clean_errors():
        key = clients.add_key(session, geo.get_city(session, city).id, client, now=parse_now(None))
        session.commit()
        emit({"client": client, "key": key})


@clients_app.command("revoke")
def client_revoke(key: int = typer.Argument(..., help="The key's id (see list)."), city: str = CityOpt) -> None:
    """Revoke a client's key: its next request is refused."""
    with session_scope() as session, clean_errors():
        row = clients.revoke_key(session, geo.get_city(session, city).id, key, now=parse_now(None))
        session.commit()
        emit({"key": row.id, "revoked_at": row.revoked_at})
