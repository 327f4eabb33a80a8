package mamoc.agent;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Capture holds the bounded stdout and stderr of the current task. */
final class Capture {
    /** OutputLimitError is thrown into a task that prints more than its output limit. */
    static final class OutputLimitError extends Error {
        OutputLimitError(String m) {
            super(m);
        }
    }

    volatile long limit = 1 << 20;
    volatile long used;
    volatile boolean overflow;
    final Stream out = new Stream(), err = new Stream();

    void reset(long limit) {
        synchronized (this) {
            this.limit = limit;
            used = 0;
            overflow = false;
            out.buf.reset();
            err.buf.reset();
        }
    }

    final class Stream extends OutputStream {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (Capture.this) {
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
        }

        String text() {
            synchronized (Capture.this) {
                return new String(buf.toByteArray(), StandardCharsets.UTF_8);
            }
        }
    }
}
