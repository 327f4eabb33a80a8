package uk.ac.standrews.cs.mamoc_demo.Sorting;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

/* compiled from: QuickSort.java */
@Offloadable(resourceDependent = true)
public class QuickSort {
    private String[] array;
    private int length;

    public QuickSort(String words) {
        this.array = words.split(" ");
        this.length = this.array.length;
    }

    public void run() {
        if (this.array != null && this.length != 0) {
            quickSort(0, this.length - 1);
        }
    }

    private void quickSort(int lowerIndex, int higherIndex) {
        int i = lowerIndex;
        int j = higherIndex;
        String pivot = this.array[((higherIndex - lowerIndex) / 2) + lowerIndex];
        while (i <= j) {
            while (this.array[i].compareTo(pivot) < 0) {
                i++;
            }
            while (this.array[j].compareTo(pivot) > 0) {
                j--;
            }
            if (i <= j) {
                exchangeWords(i, j);
                i++;
                j--;
            }
        }
        if (lowerIndex < j) {
            quickSort(lowerIndex, j);
        }
        if (i < higherIndex) {
            quickSort(i, higherIndex);
        }
    }

    private void exchangeWords(int i, int j) {
        String temp = this.array[i];
        this.array[i] = this.array[j];
        this.array[j] = temp;
    }

    public boolean isSorted() {
        for (int i = 1; i < this.length; i++) {
            if (this.array[i - 1].compareTo(this.array[i]) > 0) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return this.length;
    }
}
