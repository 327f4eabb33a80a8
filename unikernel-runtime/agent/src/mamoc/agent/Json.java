package mamoc.agent;

import java.lang.reflect.Array;
import java.util.*;

/** Json renders task results for display and as JSON. */
final class Json {
    static String display(Object v) {
        if (v == null) return "null";
        if (v.getClass().isArray()) {
            if (v instanceof Object[]) return Arrays.deepToString((Object[]) v);
            if (v instanceof int[]) return Arrays.toString((int[]) v);
            if (v instanceof long[]) return Arrays.toString((long[]) v);
            if (v instanceof double[]) return Arrays.toString((double[]) v);
            if (v instanceof float[]) return Arrays.toString((float[]) v);
            if (v instanceof byte[]) return Arrays.toString((byte[]) v);
            if (v instanceof short[]) return Arrays.toString((short[]) v);
            if (v instanceof char[]) return Arrays.toString((char[]) v);
            if (v instanceof boolean[]) return Arrays.toString((boolean[]) v);
        }
        return String.valueOf(v);
    }

    static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 0, false);
        return sb.toString();
    }

    /** MAX_OBJECT_DEPTH bounds how deep writeFields follows objects held in public fields. */
    static final int MAX_OBJECT_DEPTH = 4;

    /**
     * writeFields is write, except that an object other than a string, number, boolean, array,
     * collection or map becomes a JSON object of its public instance fields, MAX_OBJECT_DEPTH
     * objects deep at most (deeper ones, and cycles, end as their String.valueOf).
     */
    static String writeFields(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 0, true);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth, boolean fields) {
        write(sb, v, depth, fields ? 0 : -1);
    }

    private static void write(StringBuilder sb, Object v, int depth, int objects) {
        if (depth > 64) {
            str(sb, "…");
            return;
        }
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) str(sb, String.valueOf(d));
            else sb.append(v);
        } else if (v instanceof Number) {
            sb.append(v);
        } else if (v instanceof byte[]) {
            str(sb, Base64.getEncoder().encodeToString((byte[]) v));
        } else if (v.getClass().isArray()) {
            sb.append('[');
            int n = Array.getLength(v);
            for (int i = 0; i < n; i++) {
                if (i > 0) sb.append(',');
                write(sb, Array.get(v, i), depth + 1, objects);
            }
            sb.append(']');
        } else if (v instanceof Collection) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Collection<?>) v) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o, depth + 1, objects);
            }
            sb.append(']');
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                str(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue(), depth + 1, objects);
            }
            sb.append('}');
        } else if (objects >= 0 && objects < MAX_OBJECT_DEPTH && !(v instanceof CharSequence) && !(v instanceof Character)
                && !(v instanceof Enum)) {
            sb.append('{');
            boolean first = true;
            for (java.lang.reflect.Field f : v.getClass().getFields()) {
                if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) continue;
                Object fv;
                try {
                    fv = f.get(v);
                } catch (IllegalAccessException e) {
                    continue;
                }
                if (!first) sb.append(',');
                first = false;
                str(sb, f.getName());
                sb.append(':');
                write(sb, fv, depth + 1, objects + 1);
            }
            sb.append('}');
        } else {
            str(sb, String.valueOf(v));
        }
    }

    static void str(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        sb.append('"');
    }
}
