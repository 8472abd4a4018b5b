"""`cunyi county …`: set up and run the county server, institutions, enrollment codes, devices."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable

from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from sync.server import admin
from sync.server.db import SchemaError, check_schema, make_engine, sessions, upgrade

BAD_URL = "--db：数据库 URL 无法识别（应为 postgresql+psycopg://… 或 sqlite:///…）"


def _engine(url: str):  # type: ignore[no-untyped-def]
    try:
        return make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError):  # ValueError: e.g. a port "x//y"
        raise admin.AdminError(BAD_URL) from None


def _session(url: str, migrate: bool = False):  # type: ignore[no-untyped-def]
    engine = _engine(url)
    if migrate:
        upgrade(engine)
    else:
        check_schema(engine)
    return sessions(engine)()


def cmd_init(a: argparse.Namespace) -> int:
    with _session(a.db, migrate=True) as s, s.begin():
        admin.init_county(s, a.area, a.name)
    print(f"县级服务器数据库已就绪：{a.area} {a.name}", file=sys.stderr)
    return 0


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(a: argparse.Namespace) -> int:
    import datetime as dt
    import logging.config

    import uvicorn

    from sync.server import logsafe
    from sync.server.api import Settings, create_app
    from sync.server.throttle import Throttle

    if (a.tls_cert is None) != (a.tls_key is None):
        raise admin.AdminError("--tls-cert 和 --tls-key 必须同时给出")
    plain = a.tls_cert is None
    if plain and not _loopback(a.host) and not a.insecure_http:
        # Health records cross the network only encrypted; plain HTTP is for this machine.
        raise admin.AdminError(
            f"在 {a.host} 上提供服务须用 HTTPS（--tls-cert、--tls-key）；"
            "仅供实验室测试时可加 --insecure-http"
        )
    logging.config.dictConfig(logsafe.config(a.log_level))
    if plain and not _loopback(a.host):
        logging.getLogger("sync.server").warning(
            "INSECURE: serving plain HTTP on %s (--insecure-http): health records and tokens "
            "cross the network unencrypted; for a lab only",
            a.host,
        )
    engine = _engine(a.db)
    check_schema(engine)
    settings = Settings(
        token_ttl=dt.timedelta(days=a.token_days),
        upload_idle=a.upload_timeout,
        throttle=Throttle(allowance=a.auth_failures, engine=engine),  # shared by instances
    )
    uvicorn.run(
        create_app(engine, settings),
        host=a.host,
        port=a.port,
        ssl_certfile=a.tls_cert,
        ssl_keyfile=a.tls_key,
        log_level=a.log_level,
        log_config=logsafe.config(a.log_level),
        access_log=False,  # request lines would carry resident ids in URLs
        # Behind a load balancer the client's address (for throttling) is in X-Forwarded-For,
        # trusted only from the balancer's own address.
        proxy_headers=a.trusted_proxy is not None,
        forwarded_allow_ips=a.trusted_proxy or "127.0.0.1",
        timeout_keep_alive=15,
    )
    return 0


def cmd_institution_add(a: argparse.Namespace) -> int:
    with _session(a.db) as s, s.begin():
        inst = admin.add_institution(s, a.area, a.name, a.level)
    print(f"已添加机构：{inst.area} {inst.name}（{inst.level}）", file=sys.stderr)
    return 0


MAX_CODE_HOURS = 24 * 365


def cmd_enroll_code(a: argparse.Namespace) -> int:
    import datetime as dt

    if not 0 < a.hours <= MAX_CODE_HOURS:  # also nan and inf, which timedelta cannot hold
        raise admin.AdminError(f"--hours：有效小时数须大于0、不超过{MAX_CODE_HOURS}")
    with _session(a.db) as s, s.begin():
        code, expires = admin.new_enroll_code(s, a.area, dt.timedelta(hours=a.hours))
        inst = admin.institution(s, a.area)
    print(code)
    print(
        f"机构：{inst.area} {inst.name}；一次性注册码，有效期至 {expires:%Y-%m-%d %H:%M} UTC",
        file=sys.stderr,
    )
    return 0


def cmd_device_list(a: argparse.Namespace) -> int:
    with _session(a.db) as s:
        devices = admin.list_devices(s)
    if a.json:
        print(json.dumps(devices, ensure_ascii=False))
    else:
        for d in devices:
            state = "已吊销" if d["revoked"] else "有效"
            flag = f"  审计日志异常：{d['audit_flag']}" if d["audit_flag"] else ""
            print(f"{d['id']}  {d['area']}  {d['institution']}  {d['name']}  {state}{flag}")
    return 0


def cmd_device_revoke(a: argparse.Namespace) -> int:
    with _session(a.db) as s, s.begin():
        admin.revoke_device(s, a.device_id)
    print(f"设备 {a.device_id} 已吊销", file=sys.stderr)
    return 0


def cmd_device_clear_audit(a: argparse.Namespace) -> int:
    from sync.server import anchor
    from sync.server.models import Device

    with _session(a.db) as s, s.begin():
        device = s.get(Device, a.device_id)
        if device is None:
            print(f"错误：找不到设备 {a.device_id}", file=sys.stderr)
            return 5
        anchor.clear(device)
    print(f"设备 {a.device_id} 的审计日志标记已清除，下次同步重新记录", file=sys.stderr)
    return 0


def cmd_audit(a: argparse.Namespace) -> int:
    from sync.server import audit
    from sync.server.models import Device

    with _session(a.db) as s:
        if a.entity:
            out = audit.entity_history(s, a.entity.strip().lower())
            if not out["versions"] and not out["reads"]:
                print(f"错误：服务器上没有对象 {a.entity} 的记录", file=sys.stderr)
                return 5
            text = audit.render_entity(out)
        elif a.device:
            if s.get(Device, a.device) is None:
                print(f"错误：找不到设备 {a.device}", file=sys.stderr)
                return 5
            out = audit.device_activity(s, a.device, a.limit)
            text = audit.render_device(out)
        else:
            if not (len(a.area) == 12 and a.area.isascii() and a.area.isdigit()):
                print(f"错误：区划代码（--area）必须是 12 位数字：{a.area}", file=sys.stderr)
                return 3
            out = audit.area_readers(s, a.area, a.limit)
            text = audit.render_area(out)
    print(json.dumps(out, ensure_ascii=False) if a.json else text)
    return 0
def _shown(text: str) -> str:
    """A control character in a message (a newline typed into --area) shown, not obeyed."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def _first_line(exc: object) -> str:
    return _shown((str(exc).strip().splitlines() or [""])[0])


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(a: argparse.Namespace) -> int:
        try:
            return fn(a)
        except (admin.AdminError, SchemaError) as e:
            # The message may echo what was typed: a newline in it is shown, not obeyed.
            print(f"错误：{_shown(str(e))}", file=sys.stderr)
            return 3 if isinstance(e, admin.AdminError) else 1
        except OperationalError as e:
            # One line: psycopg adds a hint on a second line.
            print(f"错误：无法连接数据库：{_first_line(e.orig)}", file=sys.stderr)
            return 1
        except DatabaseError as e:  # e.g. --db names a file that is no database
            print(f"错误：--db：不是可用的县级服务器数据库（{_first_line(e.orig)}）", file=sys.stderr)
            return 1

    return run


def cmd_stats(a: argparse.Namespace) -> int:
    """The clinics' indicators over the whole county, per township and village (issue 14)."""
    from forms.indicators import BadYear
    from sync.server.indicators import county_stats

    try:
        with _session(a.db) as s:
            out = county_stats(s, a.year)
    except BadYear as e:  # as the clinic's `cunyi stats` says it (field key for scripts), exit 3
        print(f"错误：{e.error.keyed()}", file=sys.stderr)
        return 3
    except LookupError as e:  # an empty database: nothing to count yet
        print(f"错误：{e}", file=sys.stderr)
        return 1
    if a.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for i in out["indicators"]:
        rate = "—" if i["rate"] is None else f"{i['rate']}%"
        den = "—" if i["denominator"] is None else i["denominator"]
        print(f"{i['name']}  {i['numerator']}/{den}  {rate}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    county = subparsers.add_parser("county", help="县级同步服务器")
    sub = county.add_subparsers(dest="county_cmd", required=True)

    def db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db", required=True, help="数据库 URL：postgresql+psycopg://… 或 sqlite:///…"
        )
        return p

    p = db(sub.add_parser("init", help="初始化县级数据库"))
    p.add_argument("--area", required=True, help="县级区划代码（6 位）")
    p.add_argument("--name", required=True)
    p.set_defaults(func=_guard(cmd_init))

    p = db(sub.add_parser("serve", help="运行同步服务器"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--log-level", default="warning")
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="不加密的 HTTP 也在非本机地址上提供（仅限实验室，会记录警告）",
    )
    p.add_argument(
        "--token-days", type=float, default=90.0, help="设备令牌有效天数（每次同步都会更换）"
    )
    p.add_argument("--upload-timeout", type=float, default=30.0, help="上传停滞多少秒后断开")
    p.add_argument(
        "--auth-failures",
        type=int,
        default=10,
        help="同一地址 15 分钟内允许的注册码/令牌错误次数，超过后逐次加倍等待",
    )
    p.add_argument(
        "--trusted-proxy",
        default=None,
        help="负载均衡器的地址（逗号分隔）：从它来的 X-Forwarded-For 才被采信",
    )
    p.set_defaults(func=_guard(cmd_serve))

    inst = sub.add_parser("institution", help="机构").add_subparsers(dest="inst_cmd", required=True)
    p = db(inst.add_parser("add", help="添加村卫生室或乡镇卫生院"))
    p.add_argument("--area", required=True, help="12 位区划代码（乡镇卫生院村段为 000）")
    p.add_argument("--name", required=True)
    p.add_argument("--level", required=True, choices=["village", "township"])
    p.set_defaults(func=_guard(cmd_institution_add))

    p = db(sub.add_parser("enroll-code", help="生成一次性设备注册码"))
    p.add_argument("--area", required=True)
    p.add_argument("--hours", type=float, default=72.0, help="有效小时数")
    p.set_defaults(func=_guard(cmd_enroll_code))

    p = db(sub.add_parser("stats", help="全县考核指标（按乡镇、村汇总）"))
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(cmd_stats))

    dev = sub.add_parser("device", help="设备").add_subparsers(dest="dev_cmd", required=True)
    p = db(dev.add_parser("list"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(cmd_device_list))
    p = db(dev.add_parser("revoke"))
    p.add_argument("device_id")
    p.set_defaults(func=_guard(cmd_device_revoke))
    p = db(dev.add_parser("clear-audit", help="核实后清除设备的审计日志异常标记"))
    p.add_argument("device_id")
    p.set_defaults(func=_guard(cmd_device_clear_audit))

    p = db(sub.add_parser("audit", help="查询服务器上的修改历史与访问日志"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--entity", help="居民、记录或家庭的 UUID：每一版的值、设备、用户、时间")
    which.add_argument("--device", help="设备编号：它的同步、下载、读取和上传的修改")
    which.add_argument("--area", help="12 位区划代码：谁下载或读取了这个村的居民")
    p.add_argument("--limit", type=int, default=500, help="最多列出的条数")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(cmd_audit))
