package mamoc.examples.nqueens;

/**
 * QueensCount counts the solutions of the N-queens problem and returns the count, so that an
 * offloaded run has a result to show. (Queens.java keeps MAMoC's void shape for the
 * compatibility tests; its count stays inside the server.)
 */
public class QueensCount {
    private final int n;
    private int solutions;

    public QueensCount(int n) {
        this.n = n;
    }

    public int run() {
        solutions = 0;
        enumerate(new int[n], 0);
        return solutions;
    }

    private static boolean isConsistent(int[] q, int k) {
        for (int i = 0; i < k; i++) {
            if (q[i] == q[k] || q[i] - q[k] == k - i || q[k] - q[i] == k - i) {
                return false;
            }
        }
        return true;
    }

    private void enumerate(int[] q, int k) {
        if (k == q.length) {
            solutions++;
            return;
        }
        for (int i = 0; i < q.length; i++) {
            q[k] = i;
            if (isConsistent(q, k)) {
                enumerate(q, k + 1);
            }
        }
    }
}
