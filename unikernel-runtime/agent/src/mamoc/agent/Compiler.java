package mamoc.agent;

import java.io.*;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.*;
import javax.tools.*;

/** Compiler compiles Java sources in memory with javax.tools. */
final class Compiler {
    static final class Diag {
        String kind, source, message;
        long line, col;
    }

    static final class Result {
        boolean ok;
        Map<String, byte[]> classes = new TreeMap<>();
        List<Diag> diags = new ArrayList<>();
    }

    static final class Src extends SimpleJavaFileObject {
        final String code;
        final String fqcn;

        Src(String fqcn, String code) {
            super(URI.create("string:///" + fqcn.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.code = code;
            this.fqcn = fqcn;
        }

        @Override
        public CharSequence getCharContent(boolean ignore) {
            return code;
        }
    }

    static final class Out extends SimpleJavaFileObject {
        final String name;
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Out(String name) {
            super(URI.create("mem:///" + name.replace('.', '/') + Kind.CLASS.extension), Kind.CLASS);
            this.name = name;
        }

        @Override
        public OutputStream openOutputStream() {
            return buf;
        }
    }

    static Result compile(Map<String, String> sources, String classpath) throws IOException {
        JavaCompiler jc = ToolProvider.getSystemJavaCompiler();
        if (jc == null) throw new IllegalStateException("no system Java compiler in this image");
        DiagnosticCollector<JavaFileObject> dc = new DiagnosticCollector<>();
        List<Out> outs = new ArrayList<>();
        StandardJavaFileManager std = jc.getStandardFileManager(dc, Locale.ROOT, StandardCharsets.UTF_8);
        JavaFileManager fm = new ForwardingJavaFileManager<JavaFileManager>(std) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location loc, String name, JavaFileObject.Kind kind, FileObject sibling) {
                Out o = new Out(name);
                synchronized (outs) {
                    outs.add(o);
                }
                return o;
            }
        };
        List<Src> units = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) units.add(new Src(e.getKey(), e.getValue()));
        List<String> opts = List.of("-classpath", classpath, "-proc:none", "-g", "-Xlint:none", "-nowarn");
        StringWriter log = new StringWriter();
        boolean ok = jc.getTask(log, fm, dc, opts, null, units).call();
        Result r = new Result();
        r.ok = ok;
        for (Diagnostic<? extends JavaFileObject> d : dc.getDiagnostics()) {
            Diag x = new Diag();
            x.kind = d.getKind().toString();
            x.line = d.getLineNumber();
            x.col = d.getColumnNumber();
            x.source = d.getSource() instanceof Src ? ((Src) d.getSource()).fqcn : "";
            x.message = d.getMessage(Locale.ROOT);
            r.diags.add(x);
        }
        if (ok) {
            for (Out o : outs) r.classes.put(o.name, o.buf.toByteArray());
        }
        fm.close();
        return r;
    }
}
