package mamoc.examples.quicksort;

/**
 * QuickSortCount sorts the words of its resource with quicksort and returns how many it
 * sorted, or -1 if the result is out of order, so that an offloaded run has a result to
 * show. (QuickSort.java keeps MAMoC's void shape for the compatibility tests.)
 */
public class QuickSortCount {
    private final String[] words;

    public QuickSortCount(String text) {
        this.words = text.split(" ");
    }

    public int run() {
        if (words.length > 1) {
            sort(0, words.length - 1);
        }
        for (int i = 1; i < words.length; i++) {
            if (words[i - 1].compareTo(words[i]) > 0) {
                return -1;
            }
        }
        return words.length;
    }

    private void sort(int lo, int hi) {
        int i = lo;
        int j = hi;
        String pivot = words[lo + (hi - lo) / 2];
        while (i <= j) {
            while (words[i].compareTo(pivot) < 0) {
                i++;
            }
            while (words[j].compareTo(pivot) > 0) {
                j--;
            }
            if (i <= j) {
                String t = words[i];
                words[i] = words[j];
                words[j] = t;
                i++;
                j--;
            }
        }
        if (lo < j) {
            sort(lo, j);
        }
        if (i < hi) {
            sort(i, hi);
        }
    }
}
