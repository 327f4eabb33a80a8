package uk.ac.standrews.cs.mamoc_demo.Fibonacci;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

/* compiled from: Fibonacci.java */
@Offloadable(parallelizable = false, resourceDependent = false)
public class Fibonacci {
    private int n;
    private long result;

    public Fibonacci(int N) {
        this = new Object();
        this.n = N;
    }

    public void run() {
        this.result = fib(this.n);
    }

    public long getResult() {
        return this.result;
    }

    private long fib(int k) {
        if (k <= 1) {
            return (long) k;
        }
        return fib(k - 1) + fib(k - 2);
    }
}
