"""The baseline of P1: a bare FastAPI endpoint that accepts the same request as
``POST /api/v1/cases`` (bearer header, Idempotency-Key, JSON body parsed by Pydantic) and
answers 201 with a small JSON, touching nothing.

    uvicorn bench._bare_app:app --workers 2
"""

from __future__ import annotations

from fastapi import FastAPI, Header, Response
from pydantic import BaseModel

app = FastAPI()
_seq = {"n": 0}


class Report(BaseModel):
    title: str
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    channel: str = "resident_web"


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/cases", status_code=201)
def report(body: Report, response: Response, authorization: str = Header(""),
           idempotency_key: str | None = Header(None)) -> dict[str, object]:
    _seq["n"] += 1
    code = f"BARE-{_seq['n']:08d}"
    response.headers["Location"] = f"/api/v1/cases/{code}"
    return {"code": code, "title": body.title, "status": "new"}


if __name__ == "__main__":  # a helper, not a benchmark
    raise SystemExit(0)
