package mamoc.agent;

import java.lang.reflect.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

/** Invoker picks a public constructor or static method and converts JSON-like arguments to its types. */
final class Invoker {
    static final class ArgException extends Exception {
        ArgException(String m) {
            super(m);
        }
    }

    static final class Choice<M extends Executable> {
        M member;
        Object[] args;
    }

    /** Members is one class's candidates, found and sorted once: key is kind + name, kind c (constructor), s (static) or i (instance). */
    private static final ClassValue<Map<String, Members>> MEMBERS = new ClassValue<>() {
        @Override
        protected Map<String, Members> computeValue(Class<?> c) {
            return new java.util.concurrent.ConcurrentHashMap<>();
        }
    };

    /** Members holds a class's candidates for one name, sorted, with their parameter types, and the exact matches by declared types. */
    private static final class Members {
        final Executable[] cands;
        final Class<?>[][] params;
        final Map<String, Integer> byTypes = new java.util.concurrent.ConcurrentHashMap<>(); // joined declared types -> index in cands

        Members(List<? extends Executable> l) {
            l.sort(Comparator.comparing(m -> Arrays.toString(m.getParameterTypes())));
            cands = l.toArray(new Executable[0]);
            params = new Class<?>[cands.length][];
            for (int i = 0; i < cands.length; i++) params[i] = cands[i].getParameterTypes();
        }
    }

    private static Members members(Class<?> c, char kind, String name) {
        return MEMBERS.get(c).computeIfAbsent(kind + name, k -> {
            List<Executable> l = new ArrayList<>();
            if (kind == 'c') {
                l.addAll(Arrays.asList(c.getConstructors()));
            } else {
                for (Method m : c.getMethods()) {
                    if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) == (kind == 's')) l.add(m);
                }
            }
            return new Members(l);
        });
    }

    @SuppressWarnings("unchecked")
    static Choice<Constructor<?>> pickConstructor(Class<?> c, String[] types, List<?> args, ClassLoader l) throws ArgException {
        if (!Modifier.isPublic(c.getModifiers())) throw new ArgException("class " + c.getName() + " is not public");
        return (Choice<Constructor<?>>) (Choice<?>) pick(c.getName() + " constructor", members(c, 'c', ""), types, args, l);
    }

    @SuppressWarnings("unchecked")
    static Choice<Method> pickMethod(Class<?> c, String name, String[] types, List<?> args, ClassLoader l) throws ArgException {
        return (Choice<Method>) (Choice<?>) pick(c.getName() + "." + name, members(c, 's', name), types, args, l);
    }

    @SuppressWarnings("unchecked")
    static Choice<Method> pickInstanceMethod(Class<?> c, String name, String[] types, List<?> args, ClassLoader l) throws ArgException {
        return (Choice<Method>) (Choice<?>) pick(c.getName() + "." + name, members(c, 'i', name), types, args, l);
    }

    private static Choice<Executable> pick(String what, Members ms, String[] types, List<?> args, ClassLoader l) throws ArgException {
        Executable[] cands = ms.cands;
        if (cands.length == 0) throw new ArgException("no public " + what);
        if (types.length > 0) {
            String key = String.join(",", types);
            Integer hit = ms.byTypes.get(key);
            if (hit == null) {
                Class<?>[] want = new Class<?>[types.length];
                for (int i = 0; i < types.length; i++) want[i] = resolve(types[i], l);
                for (int i = 0; i < cands.length; i++) {
                    if (Arrays.equals(ms.params[i], want)) {
                        hit = i;
                        break;
                    }
                }
                if (hit == null) throw new ArgException("no public " + what + " with parameter types " + Arrays.toString(types));
                ms.byTypes.put(key, hit);
            }
            Class<?>[] pt = ms.params[hit];
            if (args.size() != pt.length) throw new ArgException(what + " takes " + pt.length + " arguments, got " + args.size());
            return choice(cands[hit], convertAll(pt, args, true));
        }
        String last = null;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < cands.length; i++) {
                if (ms.params[i].length != args.size()) continue;
                try {
                    return choice(cands[i], convertAll(ms.params[i], args, pass == 1));
                } catch (ArgException e) {
                    last = e.getMessage();
                }
            }
        }
        if (last != null) throw new ArgException(last);
        throw new ArgException("no public " + what + " takes " + args.size() + " arguments");
    }

    private static <M extends Executable> Choice<M> choice(M m, Object[] a) {
        Choice<M> c = new Choice<>();
        c.member = m;
        c.args = a;
        return c;
    }

    private static Object[] convertAll(Class<?>[] pt, List<?> args, boolean lenient) throws ArgException {
        Object[] out = new Object[pt.length];
        for (int i = 0; i < pt.length; i++) {
            try {
                out[i] = convert(args.get(i), pt[i], lenient);
            } catch (ArgException e) {
                throw new ArgException("argument " + i + ": " + e.getMessage());
            }
        }
        return out;
    }

    static Class<?> resolve(String t, ClassLoader l) throws ArgException {
        t = t.trim();
        if (t.endsWith("[]")) return Array.newInstance(resolve(t.substring(0, t.length() - 2), l), 0).getClass();
        switch (t) {
            case "int": return int.class;
            case "long": return long.class;
            case "short": return short.class;
            case "byte": return byte.class;
            case "double": return double.class;
            case "float": return float.class;
            case "boolean": return boolean.class;
            case "char": return char.class;
            case "String": return String.class;
            case "Object": return Object.class;
            default:
        }
        try {
            return Class.forName(t.contains(".") ? t : "java.lang." + t, false, l);
        } catch (ClassNotFoundException e) {
            throw new ArgException("unknown parameter type " + t);
        }
    }

    static Object convert(Object v, Class<?> t, boolean lenient) throws ArgException {
        if (t == Object.class) return v;
        if (v == null) {
            if (t.isPrimitive()) throw new ArgException("null for " + t.getName());
            return null;
        }
        if (t == String.class) {
            if (v instanceof String) return v;
            if (lenient && (v instanceof Number || v instanceof Boolean)) return num2str(v);
            throw new ArgException(kind(v) + " for String");
        }
        if (t == boolean.class || t == Boolean.class) {
            if (v instanceof Boolean) return v;
            if (lenient && v instanceof String && ("true".equals(v) || "false".equals(v))) return Boolean.valueOf((String) v);
            throw new ArgException(kind(v) + " for boolean");
        }
        if (t == char.class || t == Character.class) {
            if (v instanceof String && ((String) v).length() == 1) return ((String) v).charAt(0);
            throw new ArgException(kind(v) + " for char");
        }
        if (isNumeric(t)) {
            Object n = v;
            if (v instanceof String && lenient) {
                String s = ((String) v).trim();
                try {
                    n = s.contains(".") || s.contains("e") || s.contains("E") ? (Object) Double.parseDouble(s) : (Object) Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw new ArgException("\"" + shorten(s) + "\" is not a number");
                }
            }
            if (!(n instanceof Long) && !(n instanceof Double)) throw new ArgException(kind(v) + " for " + t.getSimpleName());
            return number((Number) n, t);
        }
        if (t.isArray()) {
            Class<?> ct = t.getComponentType();
            if (ct == byte.class && v instanceof String) {
                try {
                    return Base64.getDecoder().decode((String) v);
                } catch (IllegalArgumentException e) {
                    throw new ArgException("byte[] needs base64: " + e.getMessage());
                }
            }
            if (ct == byte.class && v instanceof byte[]) return v;
            if (!(v instanceof List)) throw new ArgException(kind(v) + " for " + t.getSimpleName());
            List<?> l = (List<?>) v;
            Object arr = Array.newInstance(ct, l.size());
            for (int i = 0; i < l.size(); i++) Array.set(arr, i, convert(l.get(i), ct, lenient));
            return arr;
        }
        if (t == List.class || t == Collection.class || t == Iterable.class) {
            if (v instanceof List) return v;
        }
        if (t.isInstance(v)) return v;
        throw new ArgException(kind(v) + " for " + t.getName());
    }

    private static boolean isNumeric(Class<?> t) {
        return t == int.class || t == Integer.class || t == long.class || t == Long.class || t == short.class || t == Short.class
                || t == byte.class || t == Byte.class || t == double.class || t == Double.class || t == float.class || t == Float.class;
    }

    private static Object number(Number n, Class<?> t) throws ArgException {
        if (t == double.class || t == Double.class) return n.doubleValue();
        if (t == float.class || t == Float.class) return n.floatValue();
        long l;
        if (n instanceof Double) {
            double d = n.doubleValue();
            if (d != Math.rint(d) || Double.isInfinite(d)) throw new ArgException(d + " is not an integer");
            l = (long) d;
        } else {
            l = n.longValue();
        }
        long min, max;
        if (t == int.class || t == Integer.class) { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
        else if (t == short.class || t == Short.class) { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
        else if (t == byte.class || t == Byte.class) { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
        else { min = Long.MIN_VALUE; max = Long.MAX_VALUE; }
        if (l < min || l > max) throw new ArgException(l + " is out of range for " + t.getSimpleName());
        if (t == int.class || t == Integer.class) return (int) l;
        if (t == short.class || t == Short.class) return (short) l;
        if (t == byte.class || t == Byte.class) return (byte) l;
        return l;
    }

    private static String num2str(Object v) {
        if (v instanceof Double) {
            double d = (Double) v;
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        }
        return String.valueOf(v);
    }

    private static String kind(Object v) {
        if (v instanceof String) return "string \"" + shorten((String) v) + "\"";
        if (v instanceof List) return "array";
        if (v instanceof byte[]) return "bytes";
        return v.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " " + v;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
