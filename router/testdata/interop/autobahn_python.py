#!/usr/bin/python3
"""Debian python3-autobahn against mamoc's router, run by router/interop_test.go.

An edge session (ticket edge1) registers and calls a procedure, subscribes and publishes with
exclude_me false and receives its own event, and asks wamp.registration.match for an unknown and
its known procedure. While it stays joined, an anonymous session (role phone) tries a forbidden
register and publish and asks the same two matches. The script prints one JSON line of results on
stdout; the Go test asserts on them. Logs go to stderr.

Run it with /usr/bin/python3 (Debian's), not a pyenv python3. On Python 3.11 the asyncio
Component.run() is broken (asyncio.coroutine), so this uses comp.start(loop); the asyncio
RawSocket client is broken too, so RawSocket runs on Twisted.

Usage: autobahn_python.py --framework asyncio|twisted --url ws://…|rs://host:port
       --serializers cbor[,msgpack,json] --name NAME
"""

import argparse
import json
import os
import sys

import txaio

REALM = "mamoc_realm"
TOPIC_RESULT = "uk.ac.standrews.cs.mamoc.offloadingresult"
UNKNOWN = "uk.ac.standrews.cs.mamoc_demo.Unknown.Task"
PAYLOAD = {"s": "hi", "n": 42, "f": 2.5, "l": [1, "two", None], "b": True}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework", choices=["asyncio", "twisted"], required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--serializers", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    txaio.use_asyncio() if args.framework == "asyncio" else txaio.use_twisted()

    import autobahn

    res = {
        "client": "autobahn-python " + autobahn.__version__,
        "framework": args.framework,
        "errors": [],
    }
    if args.framework == "asyncio":
        run_asyncio(args, res)
    else:
        run_twisted(args, res)


def emit(res):
    # sys.__stdout__: Twisted's logging redirects sys.stdout into the log.
    sys.__stdout__.write(json.dumps(res) + "\n")
    sys.__stdout__.flush()


def transport(args):
    sers = args.serializers.split(",")
    if args.url.startswith("rs://"):
        return {"type": "rawsocket", "url": args.url, "serializer": sers[0], "max_retries": 0}
    return {"type": "websocket", "url": args.url, "serializers": sers, "max_retries": 0}


def session_info(session, details):
    t = session._transport
    return {
        "authrole": details.authrole,
        "serializer": t._serializer.SERIALIZER_ID,
        "subprotocol": getattr(t, "websocket_protocol_in_use", None),
    }


def error_uri(e):
    from autobahn.wamp.exception import ApplicationError

    if isinstance(e, ApplicationError):
        return e.error
    return "unexpected: %r" % (e,)


def make_bodies(args, res, new_component, start, wrap):
    """Returns the edge session's join handler. new_component(auth) builds a Component,
    start(comp) starts it and returns an awaitable, wrap(fn) adapts an async def handler."""
    from autobahn.wamp.types import PublishOptions

    proc = "interop.%s.echo" % args.name
    topic = "interop.%s.topic" % args.name

    async def phone(session, details):
        try:
            res["phone"] = session_info(session, details)
            try:
                await session.register(lambda: None, "interop.%s.phone_proc" % args.name)
                res["phone_register"] = "ok"
            except Exception as e:
                res["phone_register"] = error_uri(e)
            try:
                await session.publish(TOPIC_RESULT, "forged", options=PublishOptions(acknowledge=True))
                res["phone_publish_result"] = "ok"
            except Exception as e:
                res["phone_publish_result"] = error_uri(e)
            res["phone_match_unknown"] = await session.call("wamp.registration.match", UNKNOWN)
            res["phone_match_known"] = await session.call("wamp.registration.match", proc)
            res["phone_done"] = True
        except Exception as e:
            res["errors"].append("phone: %r" % (e,))
        finally:
            await session.leave()

    async def edge(session, details):
        try:
            res["edge"] = session_info(session, details)
            await session.register(lambda x: x, proc)
            res["register"] = "ok"
            res["call"] = await session.call(proc, PAYLOAD)

            got = txaio.create_future()

            def on_event(*a, **kw):
                if not txaio.is_called(got):
                    txaio.resolve(got, list(a))

            await session.subscribe(on_event, topic)
            res["subscribe"] = "ok"
            await session.publish(topic, "ev", 7, options=PublishOptions(acknowledge=True, exclude_me=False))
            res["publish"] = "ok"
            txaio.call_later(5, lambda: txaio.is_called(got) or txaio.reject(got, RuntimeError("no event in 5 s")))
            res["event"] = await got

            res["match_unknown"] = await session.call("wamp.registration.match", UNKNOWN)
            res["match_known"] = await session.call("wamp.registration.match", proc)

            ph = new_component(None)
            ph.on("join", wrap(phone))
            try:
                await start(ph)
            except Exception:
                # autobahn's Component may report its own teardown as a failed connection
                # (a race between the transport closing and GOODBYE); the phone's results
                # are what count.
                if not res.get("phone_done"):
                    raise
        except Exception as e:
            res["errors"].append("edge: %r" % (e,))
        finally:
            await session.leave()

    return edge


EDGE_AUTH = {"ticket": {"authid": "edge1", "ticket": "edge-ticket"}}


def run_asyncio(args, res):
    import asyncio

    from autobahn.asyncio.component import Component

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    txaio.start_logging(level="warn", out=sys.stderr)

    def new_component(auth):
        return Component(transports=[transport(args)], realm=REALM, authentication=auth)

    def watchdog():
        res["errors"].append("timeout after %gs" % args.timeout)
        emit(res)
        os._exit(3)

    loop.call_later(args.timeout, watchdog)
    edge = new_component(EDGE_AUTH)
    edge.on("join", make_bodies(args, res, new_component, lambda c: c.start(loop), lambda f: f))
    try:
        loop.run_until_complete(edge.start(loop))
    except Exception as e:
        res["errors"].append("component: %r" % (e,))
    emit(res)
    sys.exit(1 if res["errors"] else 0)


def run_twisted(args, res):
    from autobahn.twisted.component import Component
    from twisted.internet.defer import ensureDeferred
    from twisted.internet.task import react

    txaio.start_logging(level="warn", out=sys.stderr)

    def new_component(auth):
        return Component(transports=[transport(args)], realm=REALM, authentication=auth)

    async def amain(reactor):
        def watchdog():
            res["errors"].append("timeout after %gs" % args.timeout)
            emit(res)
            os._exit(3)

        reactor.callLater(args.timeout, watchdog)
        edge = new_component(EDGE_AUTH)

        def wrap(f):
            return lambda s, d: ensureDeferred(f(s, d))

        edge.on("join", wrap(make_bodies(args, res, new_component, lambda c: c.start(reactor), wrap)))
        try:
            await edge.start(reactor)
        except Exception as e:
            res["errors"].append("component: %r" % (e,))
        emit(res)
        if res["errors"]:
            raise RuntimeError("interop checks failed")  # react exits 1

    react(lambda reactor: ensureDeferred(amain(reactor)))


if __name__ == "__main__":
    main()
