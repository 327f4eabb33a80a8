package android.util;

/** Base64 is a shim of android.util.Base64 over java.util.Base64. */
public final class Base64 {
    public static final int DEFAULT = 0, NO_PADDING = 1, NO_WRAP = 2, CRLF = 4, URL_SAFE = 8, NO_CLOSE = 16;

    private Base64() {}

    public static byte[] decode(String s, int flags) { return decode(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII), flags); }

    public static byte[] decode(byte[] in, int flags) {
        java.util.Base64.Decoder d = (flags & URL_SAFE) != 0 ? java.util.Base64.getUrlDecoder() : java.util.Base64.getMimeDecoder();
        return d.decode(in);
    }

    public static String encodeToString(byte[] in, int flags) {
        return new String(encode(in, flags), java.nio.charset.StandardCharsets.US_ASCII);
    }

    public static byte[] encode(byte[] in, int flags) {
        java.util.Base64.Encoder e;
        if ((flags & URL_SAFE) != 0) e = java.util.Base64.getUrlEncoder();
        else if ((flags & NO_WRAP) != 0) e = java.util.Base64.getEncoder();
        else e = java.util.Base64.getMimeEncoder(76, (flags & CRLF) != 0 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
        if ((flags & NO_PADDING) != 0) e = e.withoutPadding();
        byte[] out = e.encode(in);
        if ((flags & NO_WRAP) == 0 && (flags & URL_SAFE) == 0) {
            byte[] nl = new byte[out.length + 1];
            System.arraycopy(out, 0, nl, 0, out.length);
            nl[out.length] = '\n';
            return nl;
        }
        return out;
    }
}
