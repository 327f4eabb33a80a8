#!/usr/bin/python3
"""androguard_classes.py RULES APK... — the androguard side of refactor's comparison.

For each APK it times androguard's AnalyzeAPK (parse + cross references) and lists, for every
class the app defines, whether it touches a device-bound API directly: a cross reference
(call, new-instance, const-class) to an external class, or an external superclass/interface,
whose category in RULES (refactor/rules.txt, same matching as rules.go) is device-bound.
Prints one JSON object: {apk: {"seconds": s, "classes": {name: bool}}}.
Run with Debian's python: /usr/bin/python3 (androguard 3.4.0~a1 from apt).
"""
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)
from androguard.misc import AnalyzeAPK  # noqa: E402


def load_rules(path):
    exact, prefixes = {}, {}
    for line in open(path):
        f = line.split()
        if len(f) < 2 or f[0].startswith("#"):
            continue
        for name in f[1:]:
            if name.startswith("="):
                exact[name[1:]] = f[0]
            else:
                prefixes[name] = f[0]
    return exact, prefixes


def classify(rules, cls, method=""):
    exact, prefixes = rules
    if method and cls + "." + method in exact:
        return exact[cls + "." + method]
    if cls in exact:
        return exact[cls]
    p = cls
    while "." in p:
        p = p.rsplit(".", 1)[0]
        if p in prefixes:
            return prefixes[p]
    return "device"


def text(x):
    if isinstance(x, (bytes, bytearray)):
        return bytes(x).decode("utf-8", "replace")
    return str(x)


def dotted(desc):
    d = text(desc).lstrip("[")
    if d.startswith("L") and d.endswith(";"):
        return d[1:-1].replace("/", ".")
    return ""


def analyse(rules, path):
    start = time.perf_counter()
    _, _, dx = AnalyzeAPK(path)
    seconds = time.perf_counter() - start
    internal = {text(c.name) for c in dx.get_classes() if not c.is_external()}
    out = {}
    for c in dx.get_classes():
        if c.is_external():
            continue
        touches = False
        supers = [c.extends] + list(c.implements or [])
        for s in supers:
            s = text(s) if s else ""
            if s and s not in internal and s != "Ljava/lang/Object;":
                if classify(rules, dotted(s)) == "device":
                    touches = True
        for target, refs in c.get_xref_to().items():
            if text(target.name) in internal or not dotted(target.name):
                continue
            for ref in refs:
                m = ref[1] if len(ref) > 1 else None
                name = text(getattr(m, "name", "")) if m is not None else ""
                if classify(rules, dotted(target.name), name) == "device":
                    touches = True
        out[dotted(c.name)] = touches
    return {"seconds": seconds, "classes": out}


def main():
    rules = load_rules(sys.argv[1])
    res = {}
    for path in sys.argv[2:]:
        res[path.rsplit("/", 1)[-1]] = analyse(rules, path)
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
