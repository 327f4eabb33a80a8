package mamoc.agent;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Capture routes System.out, System.err and mamoc.Progress to the call running on the current
 * thread (and threads it started), each call with its own bounded buffers.
 */
final class Capture {
    /** OutputLimitError is thrown into a task that prints more than its output limit. */
    static final class OutputLimitError extends Error {
        OutputLimitError(String m) {
            super(m);
        }
    }

    /** The call of the current thread; threads a task starts inherit it. */
    static final InheritableThreadLocal<Call> CURRENT = new InheritableThreadLocal<>();

    /** The streams installed as System.out and System.err. */
    static final OutputStream OUT = new Route(true), ERR = new Route(false);

    /** Progress is installed once as mamoc.Progress.sink. */
    static final Consumer<String> PROGRESS = msg -> {
        Call c = CURRENT.get();
        if (c != null && c.progress != null) c.progress.accept(msg);
    };

    /** Call is the bounded stdout and stderr (together at most limit bytes) and the progress of one call. */
    static final class Call {
        final long limit;
        final Consumer<String> progress;
        private long used;
        volatile boolean overflow;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

        Call(long limit, Consumer<String> progress) {
            this.limit = limit;
            this.progress = progress;
        }

        synchronized void write(boolean toOut, byte[] b, int off, int len) {
            ByteArrayOutputStream buf = toOut ? out : err;
            if (used + len > limit) {
                overflow = true;
                int room = (int) Math.max(0, limit - used);
                buf.write(b, off, Math.min(room, len));
                used = limit;
                throw new OutputLimitError("task output exceeds the limit of " + limit + " bytes");
            }
            used += len;
            buf.write(b, off, len);
        }

        synchronized String out() {
            return out.size() == 0 ? "" : new String(out.toByteArray(), StandardCharsets.UTF_8);
        }

        synchronized String err() {
            return err.size() == 0 ? "" : new String(err.toByteArray(), StandardCharsets.UTF_8);
        }
    }

    /** Route writes to the current thread's call; outside a call (the agent's own threads) it drops. */
    static final class Route extends OutputStream {
        private final boolean toOut;

        Route(boolean toOut) {
            this.toOut = toOut;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Call c = CURRENT.get();
            if (c != null) c.write(toOut, b, off, len);
        }
    }

    private Capture() {}
}
