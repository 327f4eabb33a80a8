package mamoc.agent;

import java.io.*;
import java.lang.reflect.*;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Agent is the DynamicLinker of a mamoc instance: it serves the framed protocol on its channel.
 * Every frame is [u32 length][u8 op][u32 id][body]; a reply carries its request's id. Requests
 * other than invokes are answered in order on the reading thread.
 *
 * <p>An invoke runs on the reading thread itself while a standby thread watches it: a warm call
 * then costs the instance one read and one write, with no thread handoff (each handoff is a
 * futex wake and wait, which a gVisor sandbox pays as system calls). When the call is still
 * running after {@link #TAKEOVER_NS}, the standby takes the reading over, so later requests (a
 * cancel, more calls of the app) are not held up; the thread that ran the call becomes the
 * standby when it ends. While no standby is free, invokes run on pool threads, several at once.
 */
public final class Agent {
    static final int OP_PING = 1, OP_COMPILE = 2, OP_LOAD = 3, OP_INVOKE = 4, OP_PROGRESS = 5, OP_EXIT = 6, OP_STATS = 7,
            OP_CANCEL = 8, OP_ERROR = 9;
    static final int ST_OK = 0, ST_TASK = 1, ST_ARG = 2, ST_LIMIT = 3, ST_INTERNAL = 4;

    /** How long an invoke on the reading thread runs before the standby takes the reading over. */
    static final long TAKEOVER_NS = 2_000_000;
    /** The standby ticks every TAKEOVER_NS only while invokes came within this; otherwise it sleeps until woken. */
    static final long ACTIVE_NS = 200_000_000;

    private final DataInputStream in;
    private final OutputStream out; // whole frames, each written under its lock (see send)
    private ClassLoader shims; // set once by the reading thread before any invoke
    private volatile ClassLoader app;
    private volatile String appHash = "";
    private final AtomicLong calls = new AtomicLong();
    private final String shimsPath;
    /** Running calls by id, for OP_CANCEL. */
    private final Map<Integer, Running> running = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mamoc-call");
        t.setDaemon(true);
        return t;
    });

    /** Inline is one invoke the reading thread runs itself; identity tells one from the next. */
    static final class Inline {
        final long start = System.nanoTime();
    }

    /** The invoke the reading thread runs now, null while it reads; the standby takes the reading by clearing it. */
    private final AtomicReference<Inline> inline = new AtomicReference<>();
    /** The thread watching inline invokes, null when none is free. */
    private volatile Thread standby;
    /** Whether the standby sleeps without a deadline (no invoke for ACTIVE_NS) and must be woken. */
    private volatile boolean standbyAsleep;
    private volatile long lastInvoke;
    /** Threads running an inline invoke; one of them becomes the standby when it ends. */
    private final AtomicInteger inlineRunning = new AtomicInteger();

    /** Running is one call on its thread; done is set, under its lock, once its reply is decided. */
    static final class Running {
        final Thread thread;
        boolean done;

        Running(Thread thread) {
            this.thread = thread;
        }
    }

    Agent(InputStream in, OutputStream out, String shimsPath) {
        this.in = new DataInputStream(new BufferedInputStream(in, 8192));
        this.out = out;
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
        System.setOut(new PrintStream(Capture.OUT, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(Capture.ERR, true, StandardCharsets.UTF_8));
        a.startStandby();
        a.loop(true);
    }

    /**
     * startStandby starts a standby thread unless one is free, and returns the standby. The
     * agent's own threads are not daemons: the JVM ends only through System.exit.
     */
    synchronized Thread startStandby() {
        if (standby == null) {
            Thread t = new Thread(() -> loop(false), "mamoc-io");
            standby = t;
            t.start();
        }
        return standby;
    }

    private ClassLoader shims() throws Exception {
        if (shims == null) {
            File f = new File(shimsPath);
            shims = new URLClassLoader("shims", new URL[] {f.toURI().toURL()}, ClassLoader.getPlatformClassLoader());
            try {
                Class<?> p = Class.forName("mamoc.Progress", true, shims);
                p.getField("sink").set(null, Capture.PROGRESS);
            } catch (Exception e) {
                // no progress shim: tasks simply cannot report progress
            }
        }
        return shims;
    }

    /**
     * loop is an agent thread's life: it reads frames, or watches as the standby, swapping roles
     * as the reading moves. It exits the JVM when the channel ends and returns when this thread
     * gave the reading up while another standby was free.
     */
    void loop(boolean reading) {
        while (true) {
            if (!reading) {
                watch();
            } else {
                boolean ended = true;
                try {
                    ended = serve();
                } catch (IOException e) {
                    // the host is gone
                }
                if (ended) System.exit(0);
                synchronized (this) {
                    if (standby != null) return;
                    standby = Thread.currentThread();
                }
            }
            reading = !reading;
        }
    }

    /** serve reads and answers frames; it returns true when the channel ends, false when the standby took the reading. */
    boolean serve() throws IOException {
        while (true) {
            int n;
            try {
                n = in.readInt();
            } catch (EOFException e) {
                return true;
            }
            byte[] buf = new byte[n];
            in.readFully(buf);
            Wire.Reader r = new Wire.Reader(buf);
            int op = r.u8();
            int id = r.i32();
            try {
                switch (op) {
                    case OP_PING: send(reply(OP_PING, id)); break;
                    case OP_STATS: stats(id); break;
                    case OP_COMPILE: compile(id, r); break;
                    case OP_LOAD: load(id, r); break;
                    case OP_INVOKE: {
                        Request req = new Request(id, r);
                        shims();
                        if (!runInline(req)) return false;
                        break;
                    }
                    case OP_CANCEL: cancel(id); break;
                    case OP_EXIT: send(reply(OP_EXIT, id)); return true;
                    default: error(id, "unknown op " + op);
                }
            } catch (ThreadDeath td) {
                throw td; // a canceled inline invoke: this thread no longer reads and ends
            } catch (Throwable t) {
                error(id, describe(t));
            }
        }
    }

    /**
     * runInline runs req on this (the reading) thread while a standby watches, else hands it to
     * the pool. It returns false when the standby took the reading over meanwhile.
     */
    boolean runInline(Request req) {
        Thread s = standby;
        // With no inline invoke left to end, no thread would come back as the standby (a
        // canceled one ended): start one.
        if (s == null && inlineRunning.get() == 0) s = startStandby();
        if (s == null) {
            pool.execute(() -> invoke(req));
            return true;
        }
        lastInvoke = System.nanoTime();
        Inline mine = new Inline();
        inline.set(mine);
        if (standbyAsleep) LockSupport.unpark(s);
        inlineRunning.incrementAndGet();
        try {
            invoke(req); // a cancel (ThreadDeath) ends this thread: the standby read the cancel, so it reads now
        } finally {
            inlineRunning.decrementAndGet();
        }
        return inline.compareAndSet(mine, null);
    }

    /** watch is the standby's wait; it returns once it took the reading over from an invoke that ran past TAKEOVER_NS. */
    void watch() {
        while (true) {
            Inline cur = inline.get();
            long now = System.nanoTime();
            if (cur != null && now - cur.start >= TAKEOVER_NS) {
                if (inline.compareAndSet(cur, null)) {
                    synchronized (this) {
                        standby = null;
                    }
                    return;
                }
                continue;
            }
            if (cur != null) {
                LockSupport.parkNanos(TAKEOVER_NS - (now - cur.start));
            } else if (now - lastInvoke < ACTIVE_NS) {
                LockSupport.parkNanos(TAKEOVER_NS);
            } else {
                standbyAsleep = true;
                if (inline.get() == null) LockSupport.park();
                standbyAsleep = false;
            }
        }
    }

    static Wire.Writer reply(int op, int id) {
        return new Wire.Writer().u8(op).i32(id);
    }

    /** cancel stops call id's thread; the host recycles this instance once its other calls end. */
    @SuppressWarnings({"deprecation", "removal"})
    void cancel(int id) {
        Running run = running.get(id);
        if (run == null) return;
        synchronized (run) {
            if (!run.done) run.thread.stop();
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

    /**
     * send writes one whole frame (one write call) under the channel's lock. A call's thread
     * writes only when a cancel cannot stop it midway: its reply after it is done, its progress
     * under its Running lock (see progress), so a stopped thread never cuts a frame.
     */
    void send(Wire.Writer w) throws IOException {
        byte[] b = w.frame();
        synchronized (out) {
            out.write(b);
        }
    }

    /** progress sends one progress frame of a running call; cancel waits for it (both hold run). */
    void progress(Running run, int id, String msg) throws IOException {
        synchronized (run) {
            if (!run.done) send(reply(OP_PROGRESS, id).str(msg));
        }
    }

    void error(int id, String msg) throws IOException {
        send(reply(OP_ERROR, id).str(msg));
    }

    void stats(int id) throws IOException {
        Runtime rt = Runtime.getRuntime();
        send(reply(OP_STATS, id).i64(rt.totalMemory() - rt.freeMemory()).i64(rt.maxMemory())
                .i64(calls.get()).str(appHash).i64(Thread.activeCount()));
    }

    void compile(int id, Wire.Reader r) throws Exception {
        int n = r.i32();
        Map<String, String> src = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) src.put(r.str(), r.str());
        Compiler.Result res = Compiler.compile(src, shimsPath);
        Wire.Writer w = reply(OP_COMPILE, id).bool(res.ok);
        w.i32(res.classes.size());
        for (Map.Entry<String, byte[]> e : res.classes.entrySet()) w.str(e.getKey()).bytes(e.getValue());
        w.i32(res.diags.size());
        for (Compiler.Diag d : res.diags) w.str(d.kind).i64(d.line).i64(d.col).str(d.source).str(d.message);
        send(w);
    }

    void load(int id, Wire.Reader r) throws Exception {
        String hash = r.str();
        int n = r.i32();
        Map<String, byte[]> classes = new HashMap<>();
        for (int i = 0; i < n; i++) classes.put(r.str(), r.bytesVal());
        ClassLoader loader = new MemLoader(classes, shims());
        appHash = hash;
        app = loader;
        send(reply(OP_LOAD, id).str(hash));
    }

    /** Request is one invoke, decoded on the reading thread. */
    static final class Request {
        final int id;
        final String hash, cls, method;
        final String[] types;
        final Object argv;
        final long outLimit;
        final boolean instance; // mode 1: an instance method on an object built from ctorArgs
        final Object ctorv;

        Request(int id, Wire.Reader r) {
            this.id = id;
            hash = r.str();
            cls = r.str();
            method = r.str();
            int nt = r.i32();
            types = new String[nt];
            for (int i = 0; i < nt; i++) types[i] = r.str();
            argv = r.value();
            outLimit = r.i64();
            // Optional trailer: mode 1 calls an instance method on an object built from ctorArgs.
            boolean inst = false;
            Object cv = null;
            if (r.remaining() > 0) {
                inst = r.u8() == 1;
                cv = r.value();
            }
            instance = inst;
            ctorv = cv;
        }
    }

    /** invoke runs one call on a pool thread and sends its reply; a canceled call's thread ends with it. */
    void invoke(Request q) {
        Running run = new Running(Thread.currentThread());
        running.put(q.id, run);
        Result res = new Result();
        ThreadDeath stopped = null;
        try {
            run(q, res, run);
        } catch (ThreadDeath td) {
            stopped = td;
            res.status = ST_INTERNAL;
            res.errClass = "mamoc.Canceled";
            res.errMsg = "call canceled";
        }
        synchronized (run) {
            run.done = true;
        }
        running.remove(q.id);
        try {
            sendResult(q.id, res);
        } catch (IOException e) {
            // the host is gone: the instance is being stopped
        }
        if (stopped != null) throw stopped; // never reuse a thread that was stopped
    }

    void run(Request q, Result res, Running running) {
        String hash = q.hash, cls = q.cls, method = q.method;
        String[] types = q.types;
        long outLimit = q.outLimit;
        calls.incrementAndGet();
        ClassLoader app = this.app;
        if (app == null || !hash.equals(appHash)) {
            res.status = ST_INTERNAL;
            res.errClass = "mamoc.NotLoaded";
            res.errMsg = "artifact " + hash + " is not loaded (have " + appHash + ")";
            return;
        }
        List<?> args = q.argv instanceof List ? (List<?>) q.argv : List.of();
        boolean instance = q.instance;
        List<?> ctorArgs = q.ctorv instanceof List ? (List<?>) q.ctorv : List.of();
        int id = q.id;
        Capture.Call capture = new Capture.Call(outLimit, msg -> {
            try {
                progress(running, id, String.valueOf(msg));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Capture.CURRENT.set(capture);
        ClassLoader prev = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(app);
        long t0 = System.nanoTime();
        try {
            Class<?> c = app instanceof MemLoader ? ((MemLoader) app).load(cls) : Class.forName(cls, true, app);
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
                Method run = RUN.get(c);
                if (run == null) throw new NoSuchMethodException(c.getName() + ".run()");
                isVoid = run.getReturnType() == void.class;
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
            if (cause instanceof ThreadDeath) throw (ThreadDeath) cause; // canceled by the host
            fail(res, cause);
        } finally {
            Thread.currentThread().setContextClassLoader(prev);
            Capture.CURRENT.remove();
        }
        if (capture.overflow) {
            res.status = ST_LIMIT;
            res.errClass = "mamoc.OutputLimit";
            res.errMsg = "task output exceeds the limit of " + outLimit + " bytes";
        }
        res.stdout = capture.out();
        res.stderr = capture.err();
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

    void sendResult(int id, Result r) throws IOException {
        send(reply(OP_INVOKE, id).u8(r.status).bool(r.isVoid).str(r.output).str(r.json)
                .i64(r.execNanos).str(r.stdout).str(r.stderr).str(r.errClass).str(r.errMsg).str(r.stack));
    }

    static final class Result {
        int status = ST_OK;
        boolean isVoid;
        String output = "", json = "", stdout = "", stderr = "", errClass = "", errMsg = "", stack = "";
        long execNanos;
    }

    /** RUN is each class's public run() method, looked up once (null when it has none). */
    private static final ClassValue<Method> RUN = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> c) {
            try {
                return c.getMethod("run");
            } catch (NoSuchMethodException e) {
                return null;
            }
        }
    };

    /** MemLoader defines one app's classes from memory; its parent holds only the shims and the platform. */
    static final class MemLoader extends ClassLoader {
        private final Map<String, byte[]> classes;
        /** Classes already loaded and initialized by name: a call's class is looked up once per instance. */
        private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();

        /** load returns class name, loaded and initialized, as Class.forName(name, true, this) does. */
        Class<?> load(String name) throws ClassNotFoundException {
            Class<?> c = loaded.get(name);
            if (c == null) {
                c = Class.forName(name, true, this);
                loaded.put(name, c);
            }
            return c;
        }

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
