package android.util;

import java.nio.charset.StandardCharsets;

/** Server stub of android.util.Base64 with the platform's flags and line wrapping. */
public class Base64 {
    public static final int DEFAULT = 0;
    public static final int NO_PADDING = 1;
    public static final int NO_WRAP = 2;
    public static final int CRLF = 4;
    public static final int URL_SAFE = 8;
    public static final int NO_CLOSE = 16;

    private Base64() {
    }

    public static byte[] decode(String str, int flags) {
        return decode(str.getBytes(StandardCharsets.US_ASCII), flags);
    }

    public static byte[] decode(byte[] input, int flags) {
        return decode(input, 0, input.length, flags);
    }

    public static byte[] decode(byte[] input, int offset, int len, int flags) {
        StringBuilder b = new StringBuilder(len);
        for (int i = offset; i < offset + len; i++) {
            char c = (char) (input[i] & 0xff);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                continue;
            }
            b.append(c);
        }
        java.util.Base64.Decoder d = (flags & URL_SAFE) != 0 ? java.util.Base64.getUrlDecoder() : java.util.Base64.getDecoder();
        return d.decode(b.toString());
    }

    public static String encodeToString(byte[] input, int flags) {
        return new String(encode(input, flags), StandardCharsets.US_ASCII);
    }

    public static String encodeToString(byte[] input, int offset, int len, int flags) {
        return new String(encode(input, offset, len, flags), StandardCharsets.US_ASCII);
    }

    public static byte[] encode(byte[] input, int flags) {
        return encode(input, 0, input.length, flags);
    }

    public static byte[] encode(byte[] input, int offset, int len, int flags) {
        java.util.Base64.Encoder e = (flags & URL_SAFE) != 0 ? java.util.Base64.getUrlEncoder() : java.util.Base64.getEncoder();
        if ((flags & NO_PADDING) != 0) {
            e = e.withoutPadding();
        }
        byte[] raw = new byte[len];
        System.arraycopy(input, offset, raw, 0, len);
        String s = e.encodeToString(raw);
        if ((flags & NO_WRAP) != 0) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
        String nl = (flags & CRLF) != 0 ? "\r\n" : "\n";
        StringBuilder b = new StringBuilder(s.length() + s.length() / 76 * 2 + 2);
        for (int i = 0; i < s.length(); i += 76) {
            b.append(s, i, Math.min(s.length(), i + 76)).append(nl);
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
