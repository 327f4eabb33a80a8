package uk.ac.standrews.cs.mamoc_demo.NQueens;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

/* compiled from: Queens.java */
@Offloadable
public class Queens {
    int n;
    int solutions;

    public Queens(int N) {
        this = new Object();
        this.n = N;
    }

    public void run() {
        this.solutions = 0;
        enumerate(new int[this.n], 0);
    }

    public int getSolutions() {
        return this.solutions;
    }

    private static boolean isConsistent(int[] q, int n2) {
        for (int i = 0; i < n2; i++) {
            if (q[i] == q[n2] || q[i] - q[n2] == n2 - i || q[n2] - q[i] == n2 - i) {
                return false;
            }
        }
        return true;
    }

    private void enumerate(int[] q, int k) {
        int N = q.length;
        if (k == N) {
            this.solutions++;
            return;
        }
        for (int i = 0; i < N; i++) {
            q[k] = i;
            if (isConsistent(q, k)) {
                enumerate(q, k + 1);
            }
        }
    }
}
