package android.util;

/** Log is a shim of android.util.Log that writes to the task's stderr. */
public final class Log {
    public static final int VERBOSE = 2, DEBUG = 3, INFO = 4, WARN = 5, ERROR = 6, ASSERT = 7;

    private Log() {}

    private static int p(String lvl, String tag, String msg, Throwable tr) {
        String s = lvl + "/" + tag + ": " + msg;
        System.err.println(s);
        if (tr != null) tr.printStackTrace();
        return s.length();
    }

    public static int v(String tag, String msg) { return p("V", tag, msg, null); }
    public static int v(String tag, String msg, Throwable tr) { return p("V", tag, msg, tr); }
    public static int d(String tag, String msg) { return p("D", tag, msg, null); }
    public static int d(String tag, String msg, Throwable tr) { return p("D", tag, msg, tr); }
    public static int i(String tag, String msg) { return p("I", tag, msg, null); }
    public static int i(String tag, String msg, Throwable tr) { return p("I", tag, msg, tr); }
    public static int w(String tag, String msg) { return p("W", tag, msg, null); }
    public static int w(String tag, String msg, Throwable tr) { return p("W", tag, msg, tr); }
    public static int w(String tag, Throwable tr) { return p("W", tag, "", tr); }
    public static int e(String tag, String msg) { return p("E", tag, msg, null); }
    public static int e(String tag, String msg, Throwable tr) { return p("E", tag, msg, tr); }
    public static int wtf(String tag, String msg) { return p("A", tag, msg, null); }
    public static int wtf(String tag, String msg, Throwable tr) { return p("A", tag, msg, tr); }
    public static int println(int priority, String tag, String msg) { return p(String.valueOf(priority), tag, msg, null); }
    public static boolean isLoggable(String tag, int level) { return level >= INFO; }

    public static String getStackTraceString(Throwable tr) {
        if (tr == null) return "";
        java.io.StringWriter sw = new java.io.StringWriter();
        tr.printStackTrace(new java.io.PrintWriter(sw));
        return sw.toString();
    }
}
