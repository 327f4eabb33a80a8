package uk.ac.standrews.cs.mamoc_demo.Primes;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

/* Counts the primes in [from, to) by trial division: the cost of a number grows with it. */
@Offloadable(parallelizable = true)
public class Primes {
    int from;
    int to;

    public Primes(int from2, int to2) {
        this.from = from2;
        this.to = to2;
    }

    public long run() {
        long count = 0;
        for (int n = Math.max(this.from, 2); n < this.to; n++) {
            boolean prime = true;
            for (int d = 2; ((long) d) * d <= n; d++) {
                if (n % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                count++;
            }
        }
        return count;
    }
}
