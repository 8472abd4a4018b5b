"""The county server's HTTP API under /api/v1 (FastAPI; OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, select
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect

from sync import protocol
from sync.protocol import API_PREFIX, MAX_BODY_BYTES, BodyTooLarge, ProtocolError, decode_body
from sync.server import access, admin, anchor, feed, numbers, tokens
from sync.server import schemas as sc
from sync.server.db import SeqAllocator, sessions
from sync.server.models import Conflict, Device, Entity, Institution, utcnow
from sync.server.push import Rejected, push_changes, resolve_on_server
from sync.server.scope import Scope
from sync.server.throttle import Throttle

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        headers: dict[str, str] | None = None,
        failed_from: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.headers = status, error, detail, headers
        # A guess that failed (bad code or token) from this address: counted by the throttle
        # once the request's transaction is over (its count has a transaction of its own).
        self.failed_from = failed_from


class ClientGone(Exception):
    """The client closed the connection before its upload was complete."""


@dataclass
class Settings:
    token_ttl: dt.timedelta = tokens.TOKEN_TTL
    upload_idle: float = 30.0  # seconds an upload may go without a byte before it is dropped
    upload_total: float = 600.0  # and the most a whole upload may take
    throttle: Throttle = field(default_factory=Throttle)


class Caller:
    def __init__(self, device: Device, inst: Institution) -> None:
        self.device = device
        self.inst = inst
        self.scope = Scope(inst.level, inst.area)


async def read_json(
    request: Request, limit: int = MAX_BODY_BYTES, idle: float = 30.0, total: float = 600.0
) -> Any:
    """The request body as JSON, refusing more than `limit` bytes before or after gzip, and an
    upload that stalls for `idle` seconds or takes more than `total` (a slow or stuck client
    must not hold a worker and a connection for ever)."""
    chunks, size = [], 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + total
    stream = request.stream().__aiter__()
    while True:
        wait = min(idle, deadline - loop.time())
        try:
            if wait <= 0:
                raise TimeoutError
            chunk = await asyncio.wait_for(stream.__anext__(), wait)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise ApiError(
                408, "timeout", "上传停滞超时，连接已关闭", {"Connection": "close"}
            ) from None
        except ClientDisconnect:
            raise ClientGone from None
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


@dataclass
class Presented:
    token: str
    address: str


def address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _not_throttled(throttle: Throttle, where: str) -> None:
    wait = throttle.retry_after(where)
    if wait is not None:
        raise ApiError(
            429, "throttled", f"失败次数过多，请 {wait} 秒后再试", {"Retry-After": str(wait)}
        )


async def caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Presented:
    """The bearer token (security scheme `device` in the OpenAPI document)."""
    where = address(request)
    _not_throttled(request.app.state.settings.throttle, where)
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "缺少令牌（Authorization: Bearer …）")
    return Presented(authorization[7:].strip(), where)


Token = Annotated[Presented, Depends(caller)]


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


_VILLAGE = re.compile(r"[0-9]{3}")  # ASCII only: str.isdigit and \\d take any script's digits
_AREA = re.compile(r"[0-9]{12}")
UUID_PATH = Path(pattern=sc.UUID, max_length=36)
MAX_SEQ = 2**63 - 1  # PostgreSQL's bigint


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    cfg = settings or Settings()
    app = FastAPI(
        title="村医县级同步服务器",
        version=str(protocol.PROTOCOL_VERSION),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(_ClientAddress)
    app.state.settings = cfg
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    make_session: sessionmaker[Session] = sessions(engine)

    async def body_of(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
        return await read_json(request, limit, cfg.upload_idle, cfg.upload_total)

    @app.exception_handler(ApiError)
    async def _api_error(r: Request, e: ApiError) -> JSONResponse:
        if e.failed_from is not None:
            try:
                await run_in_threadpool(cfg.throttle.failed, e.failed_from)
            except Exception as x:  # the refusal is still answered when the count fails
                log.warning("throttle: failure not counted (%s)", type(x).__name__)
        if e.status == 401 or e.error == "enroll_refused":
            # The request's own transaction was rolled back: the refusal goes in one of its own.
            action = "enroll" if e.error == "enroll_refused" else "auth"
            try:
                await run(_refused, action, f"{e.error} {r.url.path}")
            except Exception as x:  # the refusal is still answered when the log cannot be written
                log.warning("access log: refusal not recorded (%s)", type(x).__name__)
        return JSONResponse(
            {"error": e.error, "detail": e.detail}, status_code=e.status, headers=e.headers
        )

    @app.exception_handler(ClientGone)
    async def _gone(r: Request, _e: ClientGone) -> Response:
        # Common on village links; one line, no traceback. The response goes nowhere.
        log.info("client disconnected during upload: %s %s", r.method, r.url.path)
        return Response(status_code=400)

    def _refused(s: Session, action: str, detail: str) -> None:
        access.add(s, action, ok=False, detail=detail)

    @app.exception_handler(OperationalError)
    async def _busy(_r: Request, e: OperationalError) -> JSONResponse:
        # Database busy or unreachable: the client retries with backoff; nothing was committed.
        log.warning("database unavailable: %s", type(e.orig).__name__)
        return JSONResponse({"error": "busy", "detail": "服务器繁忙，请稍后重试"}, status_code=503,
                            headers={"Retry-After": "2"})  # fmt: skip

    @app.exception_handler(DataError)
    async def _data(_r: Request, e: DataError) -> JSONResponse:
        # A value the database cannot hold (out of range, a NUL character) that got past the
        # checks: the request's fault, not the server's.
        log.warning("database refused a value: %s", type(e.orig).__name__)
        return JSONResponse({"error": "bad_request", "detail": "参数超出范围或含有非法字符"},
                            status_code=400)  # fmt: skip

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

    def not_throttled(where: str) -> None:
        _not_throttled(cfg.throttle, where)

    def _auth(s: Session, who: Presented) -> Caller:
        try:
            device, inst = tokens.device_for_token(s, who.token)
        except tokens.TokenRefused as e:
            raise ApiError(401, "unauthorized", str(e), failed_from=who.address) from None
        now = utcnow()
        if device.last_seen_at is None or now - device.last_seen_at > dt.timedelta(minutes=1):
            device.last_seen_at = now
        return Caller(device, inst)

    def _seen(device: Device, upto: int) -> None:
        # What the device can have seen; a client-chosen cursor only makes its later edits to a
        # resident that moved count as made after the move (push.pusher._access).
        if device.seen_seq is None or upto > device.seen_seq:
            device.seen_seq = upto

    @app.get(f"{API_PREFIX}/health", responses=sc.responses(sc.HEALTH))
    async def health() -> dict[str, Any]:
        return {"status": "ok", "protocol": protocol.PROTOCOL_VERSION}

    @app.post(f"{API_PREFIX}/enroll", openapi_extra=sc.body(sc.ENROLL),
              responses=sc.responses(sc.ENROLLED, 403, 408, 413, 429))  # fmt: skip
    async def enroll(request: Request) -> Response:
        where = address(request)
        not_throttled(where)
        body = await body_of(request, 64 * 1024)
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "请求体必须是 JSON 对象")
        unknown = sorted(set(body) - {"code", "area", "name", "numbered"})
        if unknown:
            raise ApiError(400, "bad_request", f"未知字段 {unknown[0][:40]}")
        code, area, name = body.get("code"), body.get("area"), body.get("name", "device")
        if not isinstance(code, str) or len(code) > 64:
            raise ApiError(400, "bad_request", "注册码（code）：必须是字符串")
        if not isinstance(area, str) or not _AREA.fullmatch(area):
            raise ApiError(400, "bad_request", "区划代码（area）：必须是本机的 12 位区划代码")
        if not isinstance(name, str) or len(name) > 100:
            raise ApiError(400, "bad_request", "设备名称（name）：必须是不超过 100 个字的字符串")
        numbered = body.get("numbered", 0)
        if type(numbered) is not int or not 0 <= numbered <= numbers.MAX_SERIAL:
            raise ApiError(400, "bad_request", "已用流水号（numbered）：必须是 0-99999 的整数")

        def work(s: Session) -> dict[str, Any]:
            try:
                device, token, inst = admin.enroll(s, code, name, area)
            except admin.AdminError as e:
                raise ApiError(403, "enroll_refused", str(e), failed_from=where) from e
            adopted = (
                numbers.adopt(s, device.id, inst.area, numbered)
                if numbered and inst.level == "village"
                else None
            )
            access.add(s, "enroll", device_id=device.id, area=inst.area,
                       detail=f"adopted 1-{adopted[1]}" if adopted else None)  # fmt: skip
            if cfg.token_ttl != tokens.TOKEN_TTL:
                token = tokens.new_token(device, cfg.token_ttl)
            county = admin.county(s)
            assert device.token_expires_at is not None  # set with every token (tokens.new_token)
            return {
                "device_id": device.id,
                "token": token,
                "expires_at": device.token_expires_at.isoformat(timespec="seconds") + "Z",
                "institution": {"area": inst.area, "name": inst.name, "level": inst.level},
                "county": {"area": county[0], "name": county[1]} if county else None,
            }

        return raw_json(await run(work))

    @app.post(f"{API_PREFIX}/token", responses=sc.responses(sc.TOKEN, 401, 429))
    async def token_refresh(who: Token) -> Response:
        """A new token for this device (each sync starts here); the old one stays valid only until
        the new one is used."""

        def work(s: Session) -> dict[str, Any]:
            device = _auth(s, who).device
            token, expires = tokens.rotate(device, who.token, cfg.token_ttl)
            # The audit-chain entry the device must show at the end of this sync (what GET
            # /audit-head says), here to save that request.
            return {"token": token, "expires_at": expires.isoformat(timespec="seconds") + "Z",
                    "audit_seq": device.audit_seq}  # fmt: skip

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/me", responses=sc.responses(sc.ME, 401, 429))
    async def me(who: Token) -> Response:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
            return {
                "device_id": c.device.id,
                "institution": {"area": c.inst.area, "name": c.inst.name, "level": c.inst.level},
            }

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/audit-head", responses=sc.responses(sc.AUDIT_REPLY, 401, 429))
    async def audit_head(who: Token) -> Response:
        """Which entry of its audit chain the device must show next time (the one kept)."""

        def work(s: Session) -> dict[str, Any]:
            device = _auth(s, who).device
            return {"seq": device.audit_seq}

        return raw_json(await run(work))

    @app.post(f"{API_PREFIX}/audit-head", openapi_extra=sc.body(sc.AUDIT_HEAD),
              responses=sc.responses(sc.AUDIT_REPLY, 401, 408, 413, 429))  # fmt: skip
    async def audit_head_post(request: Request, who: Token) -> Response:
        body = await body_of(request, 4 * 1024)
        if isinstance(body, dict) and set(body) - {"head", "proof"}:
            raise ApiError(400, "bad_request", "未知字段")
        try:
            head, proof = anchor.parse(body)
        except anchor.BadHead as e:
            raise ApiError(400, "bad_request", str(e)) from e

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
            out = anchor.record(c.device, head, proof)
            access.add(s, "audit_head", device_id=c.device.id, area=c.inst.area,
                       ok=out["flag"] is None, count=head["seq"])  # fmt: skip
            return out

        return raw_json(await run(work))

    @app.post(f"{API_PREFIX}/sync/push", openapi_extra=sc.body(sc.PUSH),
              responses=sc.responses(sc.PUSHED, 401, 408, 413, 429))  # fmt: skip
    async def push(request: Request, who: Token) -> Response:
        body = await body_of(request)
        try:
            raw = protocol.parse_push(body)
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from e
        if set(body) - {"changes"}:
            raise ApiError(400, "bad_request", "未知字段")

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
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

    @app.get(f"{API_PREFIX}/sync/pull", responses=sc.responses(sc.PULLED, 401, 429))
    async def pull(
        who: Token,
        cursor: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[
            int, Query(ge=1, le=protocol.MAX_PULL_LIMIT)
        ] = protocol.DEFAULT_PULL_LIMIT,
        skip_own: Annotated[bool, Query()] = False,
    ) -> Response:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
            page = feed.pull(s, c.scope, cursor, limit, c.device.id if skip_own else None)
            _seen(c.device, page["cursor"])
            if not page["has_more"]:
                c.device.head_due = True  # the sync's pull is done: its audit head comes next
            access.add(s, "pull", device_id=c.device.id, area=c.inst.area, count=len(page["items"]),
                       detail=f"cursor {cursor}->{page['cursor']}")  # fmt: skip
            return page

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/sync/snapshot", responses=sc.responses(sc.SNAPSHOT, 401, 429))
    async def snapshot(
        who: Token,
        after: Annotated[
            str,
            Query(max_length=60, pattern=r"^((household|resident|record|activity):[0-9a-fA-F-]{0,36})?$"),
        ] = "",
        limit: Annotated[int, Query(ge=1, le=protocol.MAX_SNAPSHOT_LIMIT)] = 1000,
        as_of: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    ) -> Response:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
            page = feed.snapshot(s, c.scope, after, limit, as_of)
            _seen(c.device, page["as_of"])
            access.add(s, "snapshot", device_id=c.device.id, area=c.inst.area,
                       count=len(page["items"]), detail=f"as_of {page['as_of']}")  # fmt: skip
            return page

        return raw_json(await run(work))

    @app.post(f"{API_PREFIX}/serials", openapi_extra=sc.body(sc.SERIALS),
              responses=sc.responses(sc.SERIAL_BLOCK, 401, 403, 408, 409, 413, 429))  # fmt: skip
    async def serials(request: Request, who: Token) -> Response:
        body = await body_of(request, 4096)
        village, count = (
            (body.get("village"), body.get("count", 100))
            if isinstance(body, dict)
            else (None, None)
        )
        if isinstance(body, dict) and set(body) - {"village", "count"}:
            raise ApiError(400, "bad_request", "未知字段")
        if not isinstance(village, str) or not _VILLAGE.fullmatch(village):
            raise ApiError(400, "bad_request", "村（village）：必须是 3 位数字（0-9）")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
            raise ApiError(400, "bad_request", "数量（count）：必须是 1 到 1000 的整数")

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
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

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/conflicts", responses=sc.responses(sc.CONFLICTS, 401, 429))
    async def conflicts(
        who: Token, status: Annotated[str, Query(pattern="^(open|resolved|all)$")] = "open"
    ) -> Response:
        def work(s: Session) -> list[dict[str, Any]]:
            c = _auth(s, who)
            q = select(Conflict).order_by(Conflict.created_at)
            if status != "all":
                q = q.where(Conflict.status == status)
            out = [
                feed.conflict_item(x, 0)["data"] for x in s.scalars(q) if c.scope.contains(x.area)
            ]
            access.add(s, "conflicts", device_id=c.device.id, area=c.inst.area, count=len(out))
            return out

        return raw_json(await run(work))

    @app.post(f"{API_PREFIX}/conflicts/{{conflict_id}}/resolve", openapi_extra=sc.body(sc.RESOLVE),
              responses=sc.responses(sc.RESULT, 401, 404, 408, 409, 413, 422, 429))  # fmt: skip
    async def resolve(
        conflict_id: Annotated[str, Path(pattern=sc.ID)], request: Request, who: Token
    ) -> Response:
        body = await body_of(request, 1024 * 1024)
        if not isinstance(body, dict) or len(body) != 1 or not set(body) <= {"take", "value"}:
            raise ApiError(400, "bad_request", "须给出 take（mine 或 theirs）或 value，只给一个")
        take = body.get("take")
        if "take" in body and take not in ("mine", "theirs"):
            raise ApiError(400, "bad_request", "take：必须是 mine 或 theirs")

        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
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

        return raw_json(await run(work))

    @app.get(f"{API_PREFIX}/residents/{{uuid}}", responses=sc.responses(sc.RESIDENT, 401, 404, 429))
    async def resident(uuid: Annotated[str, UUID_PATH], who: Token) -> Response:
        def work(s: Session) -> dict[str, Any]:
            c = _auth(s, who)
            e = s.get(Entity, uuid.lower())
            if e is None or e.kind != "resident" or not c.scope.contains(e.area):
                raise ApiError(404, "not_found", "居民不存在或不在本机构辖区")
            records = [
                feed.entity_item(r)
                for r in s.scalars(select(Entity).where(Entity.resident_uuid == e.uuid))
            ]
            access.add(s, "read", device_id=c.device.id, area=c.inst.area, subject=e.uuid,
                       count=1 + len(records))  # fmt: skip
            return {**feed.entity_item(e), "records": records}

        return raw_json(await run(work))

    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the bearer token every operation but health and enrol needs."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
        doc.setdefault("components", {})["securitySchemes"] = {
            "device": {"type": "http", "scheme": "bearer", "description": "设备令牌（注册时发放）"}
        }
        for path, ops in doc["paths"].items():
            if not path.endswith(("/health", "/enroll")):
                for op in ops.values():
                    op["security"] = [{"device": []}]
        app.openapi_schema = doc
    return app.openapi_schema
