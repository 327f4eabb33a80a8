package mamoc;

import java.util.function.Consumer;

/** Progress lets an offloaded task stream progress messages to its caller. */
public final class Progress {
    /** The sink is set by the agent for the duration of a call. */
    public static volatile Consumer<String> sink;

    private Progress() {}

    /** Report sends one progress message; it is a no-op outside a call. */
    public static void report(String msg) {
        Consumer<String> s = sink;
        if (s != null) s.accept(msg);
    }
}
