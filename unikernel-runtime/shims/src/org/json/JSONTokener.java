package org.json;

/** JSONTokener is a shim of org.json.JSONTokener: a small recursive-descent JSON parser. */
public class JSONTokener {
    private final String in;
    private int pos;

    public JSONTokener(String in) { this.in = in == null ? "" : in; }

    public Object nextValue() throws JSONException {
        int c = nextClean();
        switch (c) {
            case -1: throw syntaxError("End of input");
            case '{': return readObject();
            case '[': return readArray();
            case '"': case '\'': return nextString((char) c);
            default: pos--; return readLiteral();
        }
    }

    public int nextClean() {
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == '/' && pos < in.length() && in.charAt(pos) == '/') {
                while (pos < in.length() && in.charAt(pos) != '\n') pos++;
                continue;
            }
            if (c > ' ') return c;
        }
        return -1;
    }

    public String nextString(char quote) throws JSONException {
        StringBuilder sb = new StringBuilder();
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == quote) return sb.toString();
            if (c == '\\') {
                if (pos >= in.length()) break;
                char e = in.charAt(pos++);
                switch (e) {
                    case 'u':
                        if (pos + 4 > in.length()) throw syntaxError("Unterminated escape");
                        sb.append((char) Integer.parseInt(in.substring(pos, pos + 4), 16));
                        pos += 4;
                        break;
                    case 't': sb.append('\t'); break;
                    case 'b': sb.append('\b'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 'f': sb.append('\f'); break;
                    default: sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
        throw syntaxError("Unterminated string");
    }

    private Object readLiteral() throws JSONException {
        int start = pos;
        while (pos < in.length()) {
            char c = in.charAt(pos);
            if (c <= ' ' || ",:]}/\\\"[{;=#".indexOf(c) >= 0) break;
            pos++;
        }
        String s = in.substring(start, pos);
        if (s.isEmpty()) throw syntaxError("Expected literal value");
        if (s.equalsIgnoreCase("null")) return JSONObject.NULL;
        if (s.equalsIgnoreCase("true")) return Boolean.TRUE;
        if (s.equalsIgnoreCase("false")) return Boolean.FALSE;
        try {
            if (s.indexOf('.') < 0 && s.indexOf('e') < 0 && s.indexOf('E') < 0) {
                long l = Long.parseLong(s);
                if (l <= Integer.MAX_VALUE && l >= Integer.MIN_VALUE) return (int) l;
                return l;
            }
            return Double.valueOf(s);
        } catch (NumberFormatException e) {
            return s;
        }
    }

    private JSONObject readObject() throws JSONException {
        JSONObject o = new JSONObject();
        int c = nextClean();
        if (c == '}') return o;
        pos--;
        while (true) {
            Object k = nextValue();
            if (c == -1) throw syntaxError("Unterminated object");
            int sep = nextClean();
            if (sep != ':' && sep != '=') throw syntaxError("Expected ':' after " + k);
            o.put(String.valueOf(k), nextValue());
            c = nextClean();
            if (c == '}') return o;
            if (c != ',' && c != ';') throw syntaxError("Unterminated object");
        }
    }

    private JSONArray readArray() throws JSONException {
        JSONArray a = new JSONArray();
        int c = nextClean();
        if (c == ']') return a;
        pos--;
        while (true) {
            a.put(nextValue());
            c = nextClean();
            if (c == ']') return a;
            if (c != ',' && c != ';') throw syntaxError("Unterminated array");
        }
    }

    public JSONException syntaxError(String message) { return new JSONException(message + " at character " + pos); }

    public boolean more() { return pos < in.length(); }

    @Override
    public String toString() { return " at character " + pos + " of " + in; }
}
