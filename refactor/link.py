# link.py translates only the named classes of an APK's DEX files to a jar with enjarify's
# library (Debian's python3-enjarify module), instead of every class as the enjarify command
# does. Usage: python3 link.py APK JAR CLASSES, CLASSES a file of binary class names
# (a.b.Foo$Bar), one a line. A class defined twice (multidex) keeps its first definition.
# Exit status 0 on success; a class that fails to translate is reported on stderr and fails
# the run, so that no jar misses a class of the closure.
import sys, zipfile

from enjarify import parsedex
from enjarify.jvm import writeclass
from enjarify.jvm.optimization import options
from enjarify.mutf8 import decode


def main():
    apk, jar, listfile = sys.argv[1:4]
    with open(listfile) as f:
        want = {line.strip().replace('.', '/') for line in f if line.strip()}
    out, failed = {}, []
    with zipfile.ZipFile(apk) as z:
        names = sorted(n for n in z.namelist() if n.startswith('classes') and n.endswith('.dex') and '/' not in n)
        names.sort(key=lambda n: (len(n), n))  # classes.dex, classes2.dex, … classes10.dex
        for name in names:
            dex = parsedex.DexFile(z.read(name))
            for cls in dex.classes:
                internal = decode(cls.name)
                if internal not in want or internal + '.class' in out:
                    continue
                try:
                    out[internal + '.class'] = writeclass.toClassFile(cls, options.PRETTY)
                except Exception as e:  # noqa: BLE001 - report every class that fails
                    failed.append('%s: %s' % (internal, e))
    if failed:
        sys.stderr.write('enjarify failed on %d classes: %s\n' % (len(failed), '; '.join(failed[:5])))
        return 1
    with zipfile.ZipFile(jar, 'w') as zw:
        for n in sorted(out):
            info = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zw.writestr(info, out[n])
    sys.stdout.write('%d of %d classes translated\n' % (len(out), len(want)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
