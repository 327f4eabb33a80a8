#!/usr/bin/python3
"""Debian python3-autobahn as a MAMoC phone against mamoc-server, run by server/python_test.go.

It follows MAMoC's EDGE sequence with cbor as the Android client does: subscribe to
offloadingresult, ask wamp.registration.match, publish offloading [source, rpcname, code,
resourcename, params] when the task is unknown, wait for the result event, then ask match again
and call the task procedure with [resourcename, params]. It prints one JSON line of what it saw.

Usage: mamoc_phone.py --url ws://host:port/ws --fqcn FQCN --source FILE --params JSON [--resource NAME]
"""

import argparse
import asyncio
import json
import os
import sys

import txaio

txaio.use_asyncio()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--fqcn", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--params", required=True)
    p.add_argument("--resource", default=None)
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()

    from autobahn.asyncio.component import Component
    from autobahn.wamp.types import PublishOptions

    with open(args.source) as f:
        code = f.read()
    params = json.loads(args.params)
    res = {"errors": [], "events": []}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    txaio.start_logging(level="debug" if os.environ.get("MAMOC_PHONE_DEBUG") else "warn", out=sys.stderr)

    def watchdog():
        res["errors"].append("timeout after %gs" % args.timeout)
        print(json.dumps(res), flush=True)
        os._exit(3)

    loop.call_later(args.timeout, watchdog)
    comp = Component(
        transports=[{"type": "websocket", "url": args.url, "serializers": ["cbor", "msgpack", "json"], "max_retries": 0}],
        realm="mamoc_realm",
    )

    @comp.on_join
    async def joined(session, details):
        try:
            res["serializer"] = session._transport._serializer.SERIALIZER_ID
            queue = asyncio.Queue()

            def on_result(*a):
                queue.put_nowait(list(a))

            await session.subscribe(on_result, "uk.ac.standrews.cs.mamoc.offloadingresult")
            res["match_before"] = await session.call("wamp.registration.match", args.fqcn)
            session.publish(
                "uk.ac.standrews.cs.mamoc.offloading",
                "Android", args.fqcn, code, args.resource, params,
                options=PublishOptions(acknowledge=True),
            )
            ev = await asyncio.wait_for(queue.get(), args.timeout)
            res["events"].append({"args": ev, "duration_type": type(ev[1]).__name__})
            res["match_after"] = await session.call("wamp.registration.match", args.fqcn)
            r = await session.call(args.fqcn, args.resource, params)
            res["call"] = r
            ev = await asyncio.wait_for(queue.get(), args.timeout)
            res["events"].append({"args": ev, "duration_type": type(ev[1]).__name__})
        except Exception as e:
            res["errors"].append(repr(e))
        # Report and exit here: what autobahn's Component does after the session ends
        # (reconnect or not) does not matter to the phone's sequence.
        print(json.dumps(res), flush=True)
        os._exit(1 if res["errors"] else 0)

    try:
        loop.run_until_complete(comp.start(loop))
    except Exception as e:
        res["errors"].append("component: %r" % (e,))
    print(json.dumps(res), flush=True)
    sys.exit(1 if res["errors"] else 0)


if __name__ == "__main__":
    main()
