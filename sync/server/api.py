"""The county server's HTTP API under /api/v1 (FastAPI; OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from sync import protocol
from sync.protocol import API_PREFIX, MAX_BODY_BYTES, BodyTooLarge, ProtocolError, decode_body
from sync.server import access, admin, anchor, feed, numbers
from sync.server.db import SeqAllocator, sessions
from sync.server.models import Conflict, Device, Entity, Institution, utcnow
from sync.server.push import Rejected, push_changes, resolve_on_server
from sync.server.scope import Scope

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


class Caller:
    def __init__(self, device: Device, inst: Institution) -> None:
        self.device = device
        self.inst = inst
        self.scope = Scope(inst.level, inst.area)


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    """The request body as JSON, refusing more than `limit` bytes before or after gzip."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", str(BodyTooLarge(limit)))
        chunks.append(chunk)
    try:
        return decode_body(b"".join(chunks), request.headers.get("content-encoding"), limit)
    except BodyTooLarge as e:
        raise ApiError(413, "too_large", str(e)) from e
    except ProtocolError as e:
        raise ApiError(400, "bad_request", str(e)) from e


async def caller(authorization: Annotated[str | None, Header()] = None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "缺少令牌（Authorization: Bearer …）")
    return authorization[7:].strip()


Token = Annotated[str, Depends(caller)]


def raw_json(obj: Any) -> Response:
    """Large sync bodies are encoded once with json.dumps: FastAPI's jsonable_encoder walks every
    value of every item first, which costs more than the query on a 1,000-item page."""
    return Response(protocol.encode(obj), media_type="application/json")


class _ClientAddress:
    """Outermost layer: the request's peer address, for the access log (sync/server/access.py)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            access.CLIENT.set(str((scope.get("client") or ("",))[0])[:64] or None)
        await self.app(scope, receive, send)


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        title="村医县级同步服务器",
        version=str(protocol.PROTOCOL_VERSION),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(_ClientAddress)
    make_session: sessionmaker[Session] = sessions(engine)

    @app.exception_handler(ApiError)
    async def _api_error(r: Request, e: ApiError) -> JSONResponse:
        if e.status == 401 or e.error == "enroll_refused":
            # The request's own transaction was rolled back: the refusal goes in one of its own.
            action = "enroll" if e.error == "enroll_refused" else "auth"
            try:
                await run(_refused, action, f"{e.error} {r.url.path}")
            except Exception as x:  # the refusal is still answered when the log cannot be written
                log.warning("access log: refusal not recorded (%s)", type(x).__name__)
        return JSONResponse({"error": e.error, "detail": e.detail}, status_code=e.status)

    def _refused(s: Session, action: str, detail: str) -> None:
        access.add(s, action, ok=False, detail=detail)

    @app.exception_handler(OperationalError)
    async def _busy(_r: Request, e: OperationalError) -> JSONResponse:
        # Database busy or unreachable: the client retries with backoff; nothing was committed.
        log.warning("database unavailable: %s", type(e.orig).__name__)
        return JSONResponse({"error": "busy", "detail": "服务器繁忙，请稍后重试"}, status_code=503,
                            headers={"Retry-After": "2"})  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _validation(_r: Request, e: RequestValidationError) -> JSONResponse:
        where = ".".join(str(p) for p in (e.errors()[0].get("loc") or [])[1:]) if e.errors() else ""
        return JSONResponse(
            {"error": "bad_request", "detail": f"参数 {where} 格式错误"}, status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, e: StarletteHTTPException) -> JSONResponse:
        detail = {404: "没有这个接口", 405: "不支持这个请求方法"}.get(e.status_code, str(e.detail))
        return JSONResponse({"error": "http", "detail": detail}, status_code=e.status_code)

    def run(fn: Any, *args: Any) -> Any:
        def work() -> Any:
            with make_session() as s, s.begin():
                return fn(s, *args)

        return run_in_threadpool(work)

    def _auth(s: Session, token: str) -> Caller:
        found = admin.device_for_token(s, token)
        if found is None:
            raise ApiError(401, "unauthorized", "令牌无效或设备已被吊销：请重新注册本机")
        device, inst = found
        now = utcnow()
        if device.last_seen_at is None or now - device.last_seen_at > dt.timedelta(minutes=1):
            device.last_seen_at = now
        return Caller(device, inst)

    def _seen(device: Device, upto: int) -> None:
        # What the device can have seen; a client-chosen cursor only makes its later edits to a
        # resident that moved count as made after the move (push.pusher._access).
        if device.seen_seq is None or upto > device.seen_seq:
            device.seen_seq = upto

    @app.get(f"{API_PREFIX}/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "protocol": protocol.PROTOCOL_VERSION}

    @app.post(f"{API_PREFIX}/enroll")
    async def enroll(request: Request) -> dict[str, Any]:
        body = await read_json(request, 64 * 1024)
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            raise ApiError(400, "bad_request", "注册码（code）：必须是字符串")
        name = body.get("name") if isinstance(body.get("name"), str) else "device"

        def work(s: Session) -> dict[str, Any]:
            try:
                area = body.get("area") if isinstance(body.get("area"), str) else None
                device, token, inst = admin.enroll(s, body["code"], name, area)
            except admin.AdminError as e:
                raise ApiError(403, "enroll_refused", str(e)) from e
            access.add(s, "enroll", device_id=device.id, area=inst.area)
            county = admin.county(s)
            return {
                "device_id": device.id,
                "token": token,
                "institution": {"area": inst.area, "name": inst.name, "level": inst.level},
                "county": {"area": county[0], "name": county[1]} if county else None,
            }

        return await run(work)

    @app.get(f"{API_PREFIX}/me")
    async def me(token: Token) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            return {
                "device_id": c.device.id,
                "institution": {"area": c.inst.area, "name": c.inst.name, "level": c.inst.level},
            }

        return await run(work)

    @app.get(f"{API_PREFIX}/audit-head")
    async def audit_head(token: Token) -> dict[str, Any]:
        """Which entry of its audit chain the device must show next time (the one kept)."""

        def work(s: Session) -> dict[str, Any]:
            device = _auth(s, token).device
            return {"seq": device.audit_seq}

        return await run(work)

    @app.post(f"{API_PREFIX}/audit-head")
    async def audit_head_post(request: Request, token: Token) -> dict[str, Any]:
        try:
            head, proof = anchor.parse(await read_json(request, 4 * 1024))
        except anchor.BadHead as e:
            raise ApiError(400, "bad_request", str(e)) from e

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            out = anchor.record(c.device, head, proof)
            access.add(s, "audit_head", device_id=c.device.id, area=c.inst.area,
                       ok=out["flag"] is None, count=head["seq"])  # fmt: skip
            return out

        return await run(work)

    @app.post(f"{API_PREFIX}/sync/push")
    async def push(request: Request, token: Token) -> Response:
        body = await read_json(request)
        try:
            raw = protocol.parse_push(body)
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from e

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            if anchor.overdue(c.device):
                access.add(s, "audit_head", device_id=c.device.id, area=c.inst.area, ok=False,
                           detail="skipped")  # fmt: skip
            results = push_changes(s, c.device, c.scope, raw)
            tally: dict[str, int] = {}
            for r in results:
                tally[r["result"]] = tally.get(r["result"], 0) + 1
            detail = " ".join(f"{k} {v}" for k, v in sorted(tally.items()))
            access.add(
                s, "push", device_id=c.device.id, area=c.inst.area, count=len(raw), detail=detail
            )
            return {"results": results}

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/sync/pull")
    async def pull(
        token: Token,
        cursor: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[
            int, Query(ge=1, le=protocol.MAX_PULL_LIMIT)
        ] = protocol.DEFAULT_PULL_LIMIT,
    ) -> Response:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            page = feed.pull(s, c.scope, cursor, limit)
            _seen(c.device, page["cursor"])
            if not page["has_more"]:
                c.device.head_due = True  # the sync's pull is done: its audit head comes next
            access.add(s, "pull", device_id=c.device.id, area=c.inst.area, count=len(page["items"]),
                       detail=f"cursor {cursor}->{page['cursor']}")  # fmt: skip
            return page

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/sync/snapshot")
    async def snapshot(
        token: Token,
        after: Annotated[str, Query(max_length=60)] = "",
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
        as_of: Annotated[int | None, Query(ge=0)] = None,
    ) -> Response:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            page = feed.snapshot(s, c.scope, after, limit, as_of)
            _seen(c.device, page["as_of"])
            access.add(s, "snapshot", device_id=c.device.id, area=c.inst.area,
                       count=len(page["items"]), detail=f"as_of {page['as_of']}")  # fmt: skip
            return page

        return raw_json(await run(work))

    @app.post(f"{API_PREFIX}/serials")
    async def serials(request: Request, token: Token) -> dict[str, Any]:
        body = await read_json(request, 4096)
        village, count = (
            (body.get("village"), body.get("count", 100))
            if isinstance(body, dict)
            else (None, None)
        )
        if not isinstance(village, str) or len(village) != 3 or not village.isdigit():
            raise ApiError(400, "bad_request", "村（village）：必须是 3 位数字")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
            raise ApiError(400, "bad_request", "数量（count）：必须是 1 到 1000 的整数")

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            area = c.scope.area_for_village(village)
            if c.scope.level == "county" or not c.scope.contains(area):
                raise ApiError(403, "forbidden", f"村 {village} 不在本机构辖区")
            SeqAllocator(s)  # holds the counter lock: blocks never overlap
            try:
                first, last = numbers.block(s, c.device.id, area, count)
            except numbers.Exhausted as e:
                raise ApiError(409, "exhausted", str(e)) from e
            except numbers.OverQuota as e:
                raise ApiError(409, "quota", str(e)) from e
            access.add(s, "serials", device_id=c.device.id, area=c.inst.area, count=count,
                       detail=f"{area} {first}-{last}")  # fmt: skip
            return {"area": area, "first": first, "last": last}

        return await run(work)

    @app.get(f"{API_PREFIX}/conflicts")
    async def conflicts(
        token: Token, status: Annotated[str, Query(pattern="^(open|resolved|all)$")] = "open"
    ):
        def work(s: Session) -> list[dict[str, Any]]:
            c = _auth(s, token)
            q = select(Conflict).order_by(Conflict.created_at)
            if status != "all":
                q = q.where(Conflict.status == status)
            out = [
                feed.conflict_item(x, 0)["data"] for x in s.scalars(q) if c.scope.contains(x.area)
            ]
            access.add(s, "conflicts", device_id=c.device.id, area=c.inst.area, count=len(out))
            return out

        return await run(work)

    @app.post(f"{API_PREFIX}/conflicts/{{conflict_id}}/resolve")
    async def resolve(conflict_id: str, request: Request, token: Token) -> dict[str, Any]:
        body = await read_json(request, 1024 * 1024)
        if not isinstance(body, dict) or not ({"take"} <= set(body) or {"value"} <= set(body)):
            raise ApiError(400, "bad_request", "须给出 take（mine 或 theirs）或 value")
        take = body.get("take")
        if take is not None and take not in ("mine", "theirs"):
            raise ApiError(400, "bad_request", "take：必须是 mine 或 theirs")

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            row = s.get(Conflict, conflict_id)
            if row is None or not c.scope.contains(row.area):
                raise ApiError(404, "not_found", "冲突不存在")
            if row.status != "open":
                raise ApiError(409, "resolved", "该冲突已解决")
            value = body["value"] if take is None else (row.mine if take == "mine" else row.theirs)
            try:
                result = resolve_on_server(s, c.device, c.scope, conflict_id, value)
            except Rejected as e:
                raise ApiError(404, e.code, e.reason) from e
            if result["result"] == "rejected":
                raise ApiError(422, "rejected", result.get("reason", ""))
            return result

        return await run(work)

    @app.get(f"{API_PREFIX}/residents/{{uuid}}")
    async def resident(uuid: str, token: Token) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, token)
            e = s.get(Entity, uuid)
            if e is None or e.kind != "resident" or not c.scope.contains(e.area):
                raise ApiError(404, "not_found", "居民不存在或不在本机构辖区")
            records = [
                feed.entity_item(r)
                for r in s.scalars(select(Entity).where(Entity.resident_uuid == e.uuid))
            ]
            access.add(s, "read", device_id=c.device.id, area=c.inst.area, subject=e.uuid,
                       count=1 + len(records))  # fmt: skip
            return {**feed.entity_item(e), "records": records}

        return await run(work)

    return app
