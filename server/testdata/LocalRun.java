import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Runs a MAMoC task on a plain JVM, the way MAMoC's server does (java Class args), and prints
 * MAMoC's output: what run() printed, then its value, or "nothing" when both are empty.
 * Usage: LocalRun FQCN [type:value]... with type int, long, double, boolean, String or file
 * (the file's content as a String).
 */
public class LocalRun {
    public static void main(String[] a) throws Exception {
        Class<?> c = Class.forName(a[0]);
        int n = a.length - 1;
        Object[] vals = new Object[n];
        for (int i = 0; i < n; i++) {
            String s = a[i + 1];
            int k = s.indexOf(':');
            String t = s.substring(0, k), v = s.substring(k + 1);
            switch (t) {
                case "int": vals[i] = Integer.parseInt(v); break;
                case "long": vals[i] = Long.parseLong(v); break;
                case "double": vals[i] = Double.parseDouble(v); break;
                case "boolean": vals[i] = Boolean.parseBoolean(v); break;
                case "file": vals[i] = new String(Files.readAllBytes(Paths.get(v)), StandardCharsets.UTF_8); break;
                default: vals[i] = v;
            }
        }
        for (Constructor<?> k : c.getConstructors()) {
            if (k.getParameterCount() != n) continue;
            PrintStream real = System.out;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            System.setOut(new PrintStream(buf, true, "UTF-8"));
            Object o = k.newInstance(vals);
            Method run = c.getMethod("run");
            Object r = run.invoke(o);
            System.out.flush();
            System.setOut(real);
            String out = buf.toString("UTF-8");
            if (run.getReturnType() != void.class) out += String.valueOf(r);
            System.out.print(out.isEmpty() ? "nothing" : out);
            return;
        }
        throw new IllegalArgumentException("no public constructor with " + n + " parameters");
    }
}
