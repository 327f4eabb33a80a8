package org.json;

import java.util.*;

/** JSONObject is a shim of Android's org.json.JSONObject (insertion-ordered). */
public class JSONObject {
    /** NULL is the sentinel for JSON null. */
    public static final Object NULL = new Object() {
        @Override public boolean equals(Object o) { return o == this || o == null; }
        @Override public int hashCode() { return 0; }
        @Override public String toString() { return "null"; }
    };

    private final LinkedHashMap<String, Object> map = new LinkedHashMap<>();

    public JSONObject() {}

    public JSONObject(String json) throws JSONException { this(new JSONTokener(json)); }

    public JSONObject(JSONTokener t) throws JSONException {
        Object v = t.nextValue();
        if (!(v instanceof JSONObject)) throw new JSONException("Value " + v + " cannot be converted to JSONObject");
        map.putAll(((JSONObject) v).map);
    }

    public JSONObject(Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) map.put(String.valueOf(e.getKey()), wrap(e.getValue()));
    }

    public int length() { return map.size(); }

    public JSONObject put(String name, Object value) throws JSONException {
        if (name == null) throw new JSONException("Names must be non-null");
        if (value == null) { map.remove(name); return this; }
        if (value instanceof Double && (((Double) value).isNaN() || ((Double) value).isInfinite())) throw new JSONException("Forbidden numeric value: " + value);
        map.put(name, value);
        return this;
    }
    public JSONObject put(String name, boolean v) throws JSONException { return put(name, (Object) v); }
    public JSONObject put(String name, int v) throws JSONException { return put(name, (Object) v); }
    public JSONObject put(String name, long v) throws JSONException { return put(name, (Object) v); }
    public JSONObject put(String name, double v) throws JSONException { return put(name, (Object) v); }
    public JSONObject putOpt(String name, Object v) throws JSONException { return name == null || v == null ? this : put(name, v); }

    public JSONObject accumulate(String name, Object v) throws JSONException {
        Object cur = map.get(name);
        if (cur == null) return put(name, v);
        if (cur instanceof JSONArray) { ((JSONArray) cur).put(v); return this; }
        JSONArray a = new JSONArray();
        a.put(cur);
        a.put(v);
        map.put(name, a);
        return this;
    }

    public Object remove(String name) { return map.remove(name); }
    public boolean isNull(String name) { Object v = map.get(name); return v == null || v == NULL; }
    public boolean has(String name) { return map.containsKey(name); }
    public Object opt(String name) { return map.get(name); }

    public Object get(String name) throws JSONException {
        Object v = map.get(name);
        if (v == null) throw new JSONException("No value for " + name);
        return v;
    }

    public boolean getBoolean(String n) throws JSONException {
        Object v = get(n);
        if (v instanceof Boolean) return (Boolean) v;
        if (v instanceof String && ("true".equalsIgnoreCase((String) v) || "false".equalsIgnoreCase((String) v))) return Boolean.parseBoolean((String) v);
        throw type(n, v, "boolean");
    }
    public boolean optBoolean(String n) { return optBoolean(n, false); }
    public boolean optBoolean(String n, boolean d) { try { return getBoolean(n); } catch (JSONException e) { return d; } }

    public double getDouble(String n) throws JSONException {
        Object v = get(n);
        if (v instanceof Number) return ((Number) v).doubleValue();
        if (v instanceof String) try { return Double.parseDouble((String) v); } catch (NumberFormatException ignored) { }
        throw type(n, v, "double");
    }
    public double optDouble(String n) { return optDouble(n, Double.NaN); }
    public double optDouble(String n, double d) { try { return getDouble(n); } catch (JSONException e) { return d; } }
    public int getInt(String n) throws JSONException { return (int) getDoubleOrLong(n); }
    public int optInt(String n) { return optInt(n, 0); }
    public int optInt(String n, int d) { try { return getInt(n); } catch (JSONException e) { return d; } }
    public long getLong(String n) throws JSONException { return getDoubleOrLong(n); }
    public long optLong(String n) { return optLong(n, 0L); }
    public long optLong(String n, long d) { try { return getLong(n); } catch (JSONException e) { return d; } }

    private long getDoubleOrLong(String n) throws JSONException {
        Object v = get(n);
        if (v instanceof Long || v instanceof Integer) return ((Number) v).longValue();
        return (long) getDouble(n);
    }

    public String getString(String n) throws JSONException {
        Object v = get(n);
        return v == NULL ? "null" : String.valueOf(v);
    }
    public String optString(String n) { return optString(n, ""); }
    public String optString(String n, String d) { Object v = map.get(n); return v == null ? d : v == NULL ? "null" : String.valueOf(v); }

    public JSONArray getJSONArray(String n) throws JSONException {
        Object v = get(n);
        if (v instanceof JSONArray) return (JSONArray) v;
        throw type(n, v, "JSONArray");
    }
    public JSONArray optJSONArray(String n) { Object v = map.get(n); return v instanceof JSONArray ? (JSONArray) v : null; }
    public JSONObject getJSONObject(String n) throws JSONException {
        Object v = get(n);
        if (v instanceof JSONObject) return (JSONObject) v;
        throw type(n, v, "JSONObject");
    }
    public JSONObject optJSONObject(String n) { Object v = map.get(n); return v instanceof JSONObject ? (JSONObject) v : null; }

    public Iterator<String> keys() { return map.keySet().iterator(); }
    public JSONArray names() { return map.isEmpty() ? null : new JSONArray(new ArrayList<>(map.keySet())); }

    private static JSONException type(String n, Object v, String t) {
        return new JSONException("Value " + v + " at " + n + " of type " + v.getClass().getName() + " cannot be converted to " + t);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (!first) sb.append(',');
            first = false;
            sb.append(quote(e.getKey())).append(':');
            write(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    public String toString(int indent) { return toString(); }

    static void write(StringBuilder sb, Object v) {
        if (v == null || v == NULL) sb.append("null");
        else if (v instanceof String) sb.append(quote((String) v));
        else if (v instanceof Number) sb.append(numberToString((Number) v));
        else sb.append(v);
    }

    public static String numberToString(Number n) {
        double d = n.doubleValue();
        if (n instanceof Double || n instanceof Float) {
            if (d == (long) d) return Long.toString((long) d);
        }
        return n.toString();
    }

    public static String quote(String s) {
        if (s == null) return "\"\"";
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '/': sb.append("\\/"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    public static Object wrap(Object o) {
        if (o == null) return NULL;
        if (o instanceof JSONArray || o instanceof JSONObject || o == NULL || o instanceof String || o instanceof Number
                || o instanceof Boolean || o instanceof Character) return o;
        if (o instanceof Collection) return new JSONArray((Collection<?>) o);
        if (o.getClass().isArray()) {
            JSONArray a = new JSONArray();
            for (int i = 0; i < java.lang.reflect.Array.getLength(o); i++) a.put(wrap(java.lang.reflect.Array.get(o, i)));
            return a;
        }
        if (o instanceof Map) return new JSONObject((Map<?, ?>) o);
        return o.toString();
    }
}
