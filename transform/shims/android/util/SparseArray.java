package android.util;

import java.util.Arrays;

/** Server stub of android.util.SparseArray: int keys kept sorted, values beside them. */
public class SparseArray<E> implements Cloneable {
    private int[] keys;
    private Object[] values;
    private int size;

    public SparseArray() {
        this(10);
    }

    public SparseArray(int initialCapacity) {
        int cap = Math.max(initialCapacity, 1);
        keys = new int[cap];
        values = new Object[cap];
    }

    @Override
    @SuppressWarnings("unchecked")
    public SparseArray<E> clone() {
        try {
            SparseArray<E> c = (SparseArray<E>) super.clone();
            c.keys = keys.clone();
            c.values = values.clone();
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    public E get(int key) {
        return get(key, null);
    }

    @SuppressWarnings("unchecked")
    public E get(int key, E valueIfKeyNotFound) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        return i < 0 ? valueIfKeyNotFound : (E) values[i];
    }

    public boolean contains(int key) {
        return indexOfKey(key) >= 0;
    }

    public void delete(int key) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        if (i >= 0) {
            removeAt(i);
        }
    }

    public void remove(int key) {
        delete(key);
    }

    public void removeAt(int index) {
        checkIndex(index);
        System.arraycopy(keys, index + 1, keys, index, size - index - 1);
        System.arraycopy(values, index + 1, values, index, size - index - 1);
        size--;
        values[size] = null;
    }

    public void removeAtRange(int index, int count) {
        int end = Math.min(size, index + count);
        for (int i = end - 1; i >= index; i--) {
            removeAt(i);
        }
    }

    public void put(int key, E value) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        if (i >= 0) {
            values[i] = value;
            return;
        }
        i = ~i;
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        System.arraycopy(keys, i, keys, i + 1, size - i);
        System.arraycopy(values, i, values, i + 1, size - i);
        keys[i] = key;
        values[i] = value;
        size++;
    }

    public void append(int key, E value) {
        put(key, value);
    }

    public int size() {
        return size;
    }

    public int keyAt(int index) {
        checkIndex(index);
        return keys[index];
    }

    @SuppressWarnings("unchecked")
    public E valueAt(int index) {
        checkIndex(index);
        return (E) values[index];
    }

    public void setValueAt(int index, E value) {
        checkIndex(index);
        values[index] = value;
    }

    public int indexOfKey(int key) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        return i < 0 ? -1 : i;
    }

    public int indexOfValue(E value) {
        for (int i = 0; i < size; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    public void clear() {
        Arrays.fill(values, 0, size, null);
        size = 0;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new ArrayIndexOutOfBoundsException(index);
        }
    }

    @Override
    public String toString() {
        if (size == 0) {
            return "{}";
        }
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(keys[i]).append('=').append(values[i] == this ? "(this Map)" : values[i]);
        }
        return b.append('}').toString();
    }
}
