import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

// Harness loads a jar in a plain JVM and calls one public static method, converting the
// arguments by their declared Java type names, like the mamoc runtime does:
//   java Harness JAR CLASS METHOD TYPES ARG...
//   java Harness JAR --load CLASS...   (load, verify and initialise classes)
// TYPES is a comma-separated list (int, byte[], int[], java.lang.String); byte[] args are hex,
// int[] args comma-separated. It prints the result, or the array arguments after a void call.
public class Harness {
    public static void main(String[] a) throws Exception {
        URLClassLoader cl = new URLClassLoader(new URL[] {new File(a[0]).toURI().toURL()}, Harness.class.getClassLoader());
        if (a[1].equals("--load")) {
            // Load, link and initialise each class; print the ones that fail.
            int bad = 0;
            for (int i = 2; i < a.length; i++) {
                try {
                    Class<?> k = Class.forName(a[i], true, cl);
                    k.getDeclaredMethods();
                } catch (Throwable t) {
                    System.out.println(a[i] + ": " + t);
                    bad++;
                }
            }
            System.out.println("loaded " + (a.length - 2 - bad) + " of " + (a.length - 2));
            return;
        }
        Class<?> c = Class.forName(a[1], true, cl);
        String[] types = a[3].isEmpty() ? new String[0] : a[3].split(",");
        Class<?>[] pt = new Class<?>[types.length];
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            String v = a[4 + i];
            switch (types[i]) {
            case "int": pt[i] = int.class; args[i] = Integer.parseInt(v); break;
            case "long": pt[i] = long.class; args[i] = Long.parseLong(v); break;
            case "byte[]": pt[i] = byte[].class; args[i] = unhex(v); break;
            case "int[]": {
                pt[i] = int[].class;
                String[] parts = v.isEmpty() ? new String[0] : v.split(",");
                int[] x = new int[parts.length];
                for (int k = 0; k < x.length; k++) x[k] = Integer.parseInt(parts[k]);
                args[i] = x;
                break;
            }
            case "java.lang.String": pt[i] = String.class; args[i] = v; break;
            default: throw new IllegalArgumentException("unsupported type " + types[i]);
            }
        }
        Method m = c.getMethod(a[2], pt);
        Object r = m.invoke(null, args);
        if (m.getReturnType() == void.class) {
            List<String> out = new ArrayList<>();
            for (Object x : args) if (x instanceof byte[] || x instanceof int[]) out.add(show(x));
            System.out.println(String.join(" ", out));
        } else {
            System.out.println(show(r));
        }
    }

    static String show(Object r) {
        if (r instanceof byte[]) {
            StringBuilder sb = new StringBuilder();
            for (byte b : (byte[]) r) sb.append(String.format("%02x", b & 0xff));
            return sb.toString();
        }
        if (r instanceof int[]) {
            StringBuilder sb = new StringBuilder();
            for (int x : (int[]) r) { if (sb.length() > 0) sb.append(','); sb.append(x); }
            return sb.toString();
        }
        return String.valueOf(r);
    }

    static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }
}
