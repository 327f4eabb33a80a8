package unikerneltest

// Sources are the Java tasks the suites compile: FQCN → source.
var Sources = map[string]string{
	"demo.Queens": `package demo;
public class Queens {
    private final int n;
    public Queens(int n) { this.n = n; }
    public int run() { return place(0, 0, 0, 0); }
    private int place(int row, int cols, int d1, int d2) {
        if (row == n) return 1;
        int count = 0;
        for (int c = 0; c < n; c++) {
            int a = 1 << c, b = 1 << (row + c), e = 1 << (row - c + n);
            if ((cols & a) != 0 || (d1 & b) != 0 || (d2 & e) != 0) continue;
            count += place(row + 1, cols | a, d1 | b, d2 | e);
        }
        return count;
    }
    public static void main(String[] args) { System.out.println(new Queens(Integer.parseInt(args[0])).run()); }
}`,
	"demo.Echo": `package demo;
import java.util.Arrays;
public class Echo {
    public static String all(int a, long b, double c, boolean d, String e, int[] f, byte[] g, String[] h, char i, short j, float k) {
        return a + "|" + b + "|" + c + "|" + d + "|" + e + "|" + Arrays.toString(f) + "|" + Arrays.toString(g) + "|" + Arrays.toString(h) + "|" + i + "|" + j + "|" + k;
    }
    public static int[] squares(int n) { int[] r = new int[n]; for (int i = 0; i < n; i++) r[i] = i * i; return r; }
    public static byte[] bytes(String s) { return s.getBytes(); }
    public static int len(String s) { return s.length(); }
    public static int twice(int n) { return 2 * n; }
    public static String twice(String s) { return s + s; }
    public static void nothing() { }
    public static void sort(int[] a) { Arrays.sort(a); }
}`,
	"demo.Grid": `package demo;
public class Grid {
    public int n;
    public double sum;
    public int[] row;
    public Grid() { this(2); }
    public Grid(int n) { this.n = n; }
    public Grid fill() {
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) for (int j = 0; j <= n; j++) { m[i][j] = i * j; sum += m[i][j]; }
        row = new int[] {n, n + 1};
        return this;
    }
    public void grow(int by) { n += by; }
    public int area(int w) { return n * w; }
}`,
	"demo.Void": `package demo;
public class Void {
    public Void(int n) { }
    public void run() { System.out.println("ran"); }
}`,
	"demo.Progress": `package demo;
public class Progress {
    private final int n;
    public Progress(int n) { this.n = n; }
    public int run() { for (int i = 1; i <= n; i++) mamoc.Progress.report("step " + i); return n; }
}`,
	"demo.Sleep": `package demo;
public class Sleep {
    private final long ms;
    public Sleep(long ms) { this.ms = ms; }
    public long run() throws InterruptedException { Thread.sleep(ms); return ms; }
}`,
	"demo.Loop": `package demo;
public class Loop {
    public Loop() { }
    public long run() { long x = 0; while (x >= 0) { x = (x * 31 + 7) & 0xffffff; } return x; }
}`,
	"demo.Exit": `package demo;
public class Exit {
    private final int code;
    public Exit(int code) { this.code = code; }
    public void run() { System.exit(code); }
}`,
	"demo.Thrower": `package demo;
public class Thrower {
    public Thrower() { }
    public int run() { throw new IllegalStateException("boom"); }
}`,
	"demo.Counter": `package demo;
public class Counter {
    static int calls;
    public Counter() { }
    public int run() { return ++calls; }
}`,
	"demo.Shims": `package demo;
import android.text.TextUtils;
import android.util.Log;
import android.util.SparseArray;
import org.json.JSONObject;
public class Shims {
    public Shims() { }
    public String run() throws Exception {
        Log.d("demo", "hello");
        SparseArray<String> a = new SparseArray<>();
        a.put(3, "x");
        JSONObject o = new JSONObject("{\"k\": [1, 2, {\"z\": true}]}");
        o.put("empty", TextUtils.isEmpty(""));
        return a.get(3) + " " + o.getJSONArray("k").length() + " " + o.getBoolean("empty") + " " + android.util.Base64.encodeToString("hi".getBytes(), android.util.Base64.NO_WRAP);
    }
}`,
}

// BrokenSource does not compile: line 3 has an undefined symbol.
var BrokenSource = map[string]string{"demo.Broken": `package demo;
public class Broken {
    public int run() { return undefinedThing; }
}`}
