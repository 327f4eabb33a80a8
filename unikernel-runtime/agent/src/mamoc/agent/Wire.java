package mamoc.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Wire encodes the body of one frame: big-endian integers, length-prefixed strings and tagged values. */
final class Wire {
    static final int T_NULL = 0, T_BOOL = 1, T_LONG = 2, T_DOUBLE = 3, T_STRING = 4, T_LIST = 5, T_BYTES = 6;

    static final class Reader {
        private final ByteBuffer b;

        Reader(byte[] buf) {
            b = ByteBuffer.wrap(buf);
        }

        int u8() {
            return b.get() & 0xff;
        }

        int remaining() {
            return b.remaining();
        }

        int i32() {
            return b.getInt();
        }

        long i64() {
            return b.getLong();
        }

        String str() {
            int n = b.getInt();
            String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
            b.position(b.position() + n);
            return s;
        }

        byte[] bytesVal() {
            int n = b.getInt();
            byte[] out = new byte[n];
            b.get(out);
            return out;
        }

        Object value() {
            int t = u8();
            switch (t) {
                case T_NULL: return null;
                case T_BOOL: return u8() != 0;
                case T_LONG: return b.getLong();
                case T_DOUBLE: return b.getDouble();
                case T_STRING: return str();
                case T_BYTES: return bytesVal();
                case T_LIST: {
                    int n = b.getInt();
                    List<Object> l = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) l.add(value());
                    return l;
                }
                default: throw new IllegalArgumentException("bad value tag " + t);
            }
        }
    }

    static final class Writer {
        private final ByteArrayOutputStream o = new ByteArrayOutputStream();

        Writer() {
            i32(0); // the frame's length, filled in by frame()
        }

        Writer u8(int v) {
            o.write(v);
            return this;
        }

        Writer bool(boolean v) {
            return u8(v ? 1 : 0);
        }

        Writer i32(int v) {
            o.write(v >>> 24);
            o.write(v >>> 16);
            o.write(v >>> 8);
            o.write(v);
            return this;
        }

        Writer i64(long v) {
            i32((int) (v >>> 32));
            return i32((int) v);
        }

        Writer str(String s) {
            return bytes((s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
        }

        Writer bytes(byte[] b) {
            i32(b.length);
            o.write(b, 0, b.length);
            return this;
        }

        /** frame returns the whole frame: its length, then what was written. */
        byte[] frame() {
            byte[] b = o.toByteArray();
            int n = b.length - 4;
            b[0] = (byte) (n >>> 24);
            b[1] = (byte) (n >>> 16);
            b[2] = (byte) (n >>> 8);
            b[3] = (byte) n;
            return b;
        }
    }
}
