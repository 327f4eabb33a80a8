package mamoc.examples.fibonacci;

/**
 * FibonacciNumber computes the N-th Fibonacci number by naive recursion and returns it, so
 * that an offloaded run has a result to show. (Fibonacci.java keeps MAMoC's void shape for
 * the compatibility tests.)
 */
public class FibonacciNumber {
    private final int n;

    public FibonacciNumber(int n) {
        this.n = n;
    }

    public long run() {
        return fib(n);
    }

    private static long fib(int k) {
        if (k <= 1) {
            return k;
        }
        return fib(k - 1) + fib(k - 2);
    }
}
