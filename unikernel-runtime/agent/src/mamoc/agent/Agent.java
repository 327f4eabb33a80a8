package mamoc.agent;

import java.io.*;
import java.lang.reflect.*;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.function.Consumer;

/** Agent is the DynamicLinker of a mamoc instance: it serves the framed protocol on stdin/stdout. */
public final class Agent {
    static final int OP_PING = 1, OP_COMPILE = 2, OP_LOAD = 3, OP_INVOKE = 4, OP_PROGRESS = 5, OP_EXIT = 6, OP_STATS = 7, OP_ERROR = 9;
    static final int ST_OK = 0, ST_TASK = 1, ST_ARG = 2, ST_LIMIT = 3, ST_INTERNAL = 4;

    private final DataInputStream in;
    private final DataOutputStream out;
    private final Capture capture = new Capture();
    private ClassLoader shims;
    private ClassLoader app;
    private String appHash = "";
    private int calls;
    private final String shimsPath;

    Agent(InputStream in, OutputStream out, String shimsPath) {
        this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
        this.shimsPath = shimsPath;
    }

    public static void main(String[] args) throws Exception {
        String shims = args.length > 0 ? args[0] : "/agent/shims.jar";
        // The protocol runs on the files named by mamoc.in/mamoc.out (fds 3 and 4, see Image.AgentArgv),
        // so nothing the JVM or a task prints on stdout can corrupt it.
        String pin = System.getProperty("mamoc.in", ""), pout = System.getProperty("mamoc.out", "");
        InputStream rin = pin.isEmpty() ? new FileInputStream(FileDescriptor.in) : new FileInputStream(pin);
        OutputStream rout = pout.isEmpty() ? new FileOutputStream(FileDescriptor.out) : new FileOutputStream(pout);
        Agent a = new Agent(rin, rout, shims);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        System.setOut(new PrintStream(a.capture.out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(a.capture.err, true, StandardCharsets.UTF_8));
        a.serve();
        System.exit(0);
    }

    private ClassLoader shims() throws Exception {
        if (shims == null) {
            File f = new File(shimsPath);
            shims = new URLClassLoader("shims", new URL[] {f.toURI().toURL()}, ClassLoader.getPlatformClassLoader());
        }
        return shims;
    }

    void serve() throws IOException {
        while (true) {
            int n;
            try {
                n = in.readInt();
            } catch (EOFException e) {
                return;
            }
            byte[] buf = new byte[n];
            in.readFully(buf);
            Wire.Reader r = new Wire.Reader(buf);
            int op = r.u8();
            try {
                switch (op) {
                    case OP_PING: send(new Wire.Writer().u8(OP_PING)); break;
                    case OP_STATS: stats(); break;
                    case OP_COMPILE: compile(r); break;
                    case OP_LOAD: load(r); break;
                    case OP_INVOKE: invoke(r); break;
                    case OP_EXIT: send(new Wire.Writer().u8(OP_EXIT)); return;
                    default: error("unknown op " + op);
                }
            } catch (Throwable t) {
                error(describe(t));
            }
        }
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (int depth = 0; t != null && depth < 5; depth++, t = t.getCause()) {
            if (depth > 0) sb.append(" caused by ");
            sb.append(t);
            StackTraceElement[] st = t.getStackTrace();
            for (int i = 0; i < Math.min(3, st.length); i++) sb.append(" at ").append(st[i]);
        }
        return sb.length() > 4000 ? sb.substring(0, 4000) : sb.toString();
    }

    synchronized void send(Wire.Writer w) throws IOException {
        byte[] b = w.bytes();
        out.writeInt(b.length);
        out.write(b);
        out.flush();
    }

    void error(String msg) throws IOException {
        send(new Wire.Writer().u8(OP_ERROR).str(msg));
    }

    void stats() throws IOException {
        Runtime rt = Runtime.getRuntime();
        send(new Wire.Writer().u8(OP_STATS).i64(rt.totalMemory() - rt.freeMemory()).i64(rt.maxMemory())
                .i64(calls).str(appHash).i64(Thread.activeCount()));
    }

    void compile(Wire.Reader r) throws Exception {
        int n = r.i32();
        Map<String, String> src = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) src.put(r.str(), r.str());
        Compiler.Result res = Compiler.compile(src, shimsPath);
        Wire.Writer w = new Wire.Writer().u8(OP_COMPILE).bool(res.ok);
        w.i32(res.classes.size());
        for (Map.Entry<String, byte[]> e : res.classes.entrySet()) w.str(e.getKey()).bytes(e.getValue());
        w.i32(res.diags.size());
        for (Compiler.Diag d : res.diags) w.str(d.kind).i64(d.line).i64(d.col).str(d.source).str(d.message);
        send(w);
    }

    void load(Wire.Reader r) throws Exception {
        String hash = r.str();
        int n = r.i32();
        Map<String, byte[]> classes = new HashMap<>();
        for (int i = 0; i < n; i++) classes.put(r.str(), r.bytesVal());
        app = new MemLoader(classes, shims());
        appHash = hash;
        send(new Wire.Writer().u8(OP_LOAD).str(hash));
    }

    void invoke(Wire.Reader r) throws IOException {
        String hash = r.str();
        String cls = r.str();
        String method = r.str();
        int nt = r.i32();
        String[] types = new String[nt];
        for (int i = 0; i < nt; i++) types[i] = r.str();
        Object argv = r.value();
        long outLimit = r.i64();
        // Optional trailer: mode 1 calls an instance method on an object built from ctorArgs.
        boolean instance = false;
        Object ctorv = null;
        if (r.remaining() > 0) {
            instance = r.u8() == 1;
            ctorv = r.value();
        }
        calls++;
        Result res = new Result();
        if (app == null || !hash.equals(appHash)) {
            res.status = ST_INTERNAL;
            res.errClass = "mamoc.NotLoaded";
            res.errMsg = "artifact " + hash + " is not loaded (have " + appHash + ")";
            sendResult(res);
            return;
        }
        List<?> args = argv instanceof List ? (List<?>) argv : List.of();
        List<?> ctorArgs = ctorv instanceof List ? (List<?>) ctorv : List.of();
        capture.reset(outLimit);
        setProgress(msg -> {
            try {
                send(new Wire.Writer().u8(OP_PROGRESS).str(String.valueOf(msg)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ClassLoader prev = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(app);
        long t0 = System.nanoTime();
        try {
            Class<?> c = Class.forName(cls, true, app);
            Object ret;
            boolean isVoid;
            if (instance) {
                Invoker.Choice<Constructor<?>> cc = Invoker.pickConstructor(c, new String[0], ctorArgs, app);
                Invoker.Choice<Method> ch = Invoker.pickInstanceMethod(c, method, types, args, app);
                Object obj = cc.member.newInstance(cc.args);
                ret = ch.member.invoke(obj, ch.args);
                // A void method leaves its results in the object: the object is the result.
                isVoid = false;
                if (ch.member.getReturnType() == void.class) ret = obj;
            } else if (method.isEmpty()) {
                Invoker.Choice<Constructor<?>> ch = Invoker.pickConstructor(c, types, args, app);
                Object obj = ch.member.newInstance(ch.args);
                Method run = c.getMethod("run");
                isVoid = run.getReturnType() == void.class;
                t0 = t0 + 0;
                ret = run.invoke(obj);
            } else {
                Invoker.Choice<Method> ch = Invoker.pickMethod(c, method, types, args, app);
                isVoid = ch.member.getReturnType() == void.class;
                ret = ch.member.invoke(null, ch.args);
                if (isVoid) {
                    // An in-place algorithm (RC4, sorting an int[]) returns nothing: its array
                    // arguments, as they are after the call, are its result.
                    java.util.List<Object> arrays = new java.util.ArrayList<>();
                    for (Object a : ch.args) if (a != null && a.getClass().isArray()) arrays.add(a);
                    if (!arrays.isEmpty()) {
                        ret = arrays.toArray();
                        isVoid = false;
                    }
                }
            }
            res.execNanos = System.nanoTime() - t0;
            res.isVoid = isVoid;
            if (!isVoid) {
                res.output = Json.display(ret);
                res.json = instance ? Json.writeFields(ret) : Json.write(ret);
                if (instance && res.json.startsWith("{")) res.output = res.json;
            }
            if (res.output.length() + res.json.length() > outLimit) {
                res.status = ST_LIMIT;
                res.errClass = "mamoc.OutputLimit";
                res.errMsg = "result exceeds the output limit of " + outLimit + " bytes";
                res.output = "";
                res.json = "";
            }
        } catch (Invoker.ArgException e) {
            res.execNanos = System.nanoTime() - t0;
            res.status = ST_ARG;
            res.errClass = "mamoc.BadArgument";
            res.errMsg = e.getMessage();
        } catch (Throwable t) {
            res.execNanos = System.nanoTime() - t0;
            Throwable cause = t;
            if (t instanceof InvocationTargetException || t instanceof ExceptionInInitializerError) {
                if (t.getCause() != null) cause = t.getCause();
            }
            fail(res, cause);
        } finally {
            Thread.currentThread().setContextClassLoader(prev);
            setProgress(null);
        }
        if (capture.overflow) {
            res.status = ST_LIMIT;
            res.errClass = "mamoc.OutputLimit";
            res.errMsg = "task output exceeds the limit of " + outLimit + " bytes";
        }
        res.stdout = capture.out.text();
        res.stderr = capture.err.text();
        sendResult(res);
    }

    static void fail(Result res, Throwable cause) {
        if (cause instanceof OutOfMemoryError) {
            res.status = ST_LIMIT;
            res.errClass = cause.getClass().getName();
            res.errMsg = String.valueOf(cause.getMessage());
        } else if (cause instanceof Capture.OutputLimitError) {
            res.status = ST_LIMIT;
            res.errClass = "mamoc.OutputLimit";
            res.errMsg = cause.getMessage();
        } else {
            res.status = ST_TASK;
            res.errClass = cause.getClass().getName();
            res.errMsg = String.valueOf(cause.getMessage());
            StringWriter sw = new StringWriter();
            try {
                cause.printStackTrace(new PrintWriter(sw));
            } catch (Throwable ignored) {
                // a hostile toString may throw
            }
            String s = sw.toString();
            res.stack = s.length() > 8192 ? s.substring(0, 8192) : s;
        }
    }

    private void setProgress(Consumer<String> sink) {
        try {
            Class<?> p = Class.forName("mamoc.Progress", true, shims());
            p.getField("sink").set(null, sink);
        } catch (Exception e) {
            // no progress shim: tasks simply cannot report progress
        }
    }

    void sendResult(Result r) throws IOException {
        send(new Wire.Writer().u8(OP_INVOKE).u8(r.status).bool(r.isVoid).str(r.output).str(r.json)
                .i64(r.execNanos).str(r.stdout).str(r.stderr).str(r.errClass).str(r.errMsg).str(r.stack));
    }

    static final class Result {
        int status = ST_OK;
        boolean isVoid;
        String output = "", json = "", stdout = "", stderr = "", errClass = "", errMsg = "", stack = "";
        long execNanos;
    }

    /** MemLoader defines one app's classes from memory; its parent holds only the shims and the platform. */
    static final class MemLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        MemLoader(Map<String, byte[]> classes, ClassLoader parent) {
            super("app", parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) throw new ClassNotFoundException(name);
            return defineClass(name, b, 0, b.length);
        }
    }
}
