package uk.ac.standrews.cs.mamoc_demo.SearchText;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

/* compiled from: KMP.java */
@Offloadable(parallelizable = true, resourceDependent = true)
public class KMP {
    String content;
    String pattern;

    public KMP(String content2, String pattern2) {
        this.content = content2;
        this.pattern = pattern2;
    }

    public int run() {
        int matches = 0;
        int M = this.pattern.length();
        int N = this.content.length();
        if (M == 0) {
            return 0;
        }
        int[] lps = new int[M];
        computeLPSArray(this.pattern, M, lps);
        int i = 0;
        int j = 0;
        while (i < N) {
            if (this.pattern.charAt(j) == this.content.charAt(i)) {
                j++;
                i++;
            }
            if (j == M) {
                matches++;
                j = lps[j - 1];
            } else if (i < N && this.pattern.charAt(j) != this.content.charAt(i)) {
                if (j != 0) {
                    j = lps[j - 1];
                } else {
                    i++;
                }
            }
        }
        return matches;
    }

    private void computeLPSArray(String pat, int M, int[] lps) {
        int len = 0;
        int i = 1;
        lps[0] = 0;
        while (i < M) {
            if (pat.charAt(i) == pat.charAt(len)) {
                len++;
                lps[i] = len;
                i++;
            } else if (len != 0) {
                len = lps[len - 1];
            } else {
                lps[i] = len;
                i++;
            }
        }
    }
}
