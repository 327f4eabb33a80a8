package android.util;

import java.util.TreeMap;

/** SparseArray is a shim of android.util.SparseArray backed by a sorted map. */
public class SparseArray<E> implements Cloneable {
    private TreeMap<Integer, E> m = new TreeMap<>();

    public SparseArray() {}
    public SparseArray(int initialCapacity) {}

    public E get(int key) { return m.get(key); }
    public E get(int key, E valueIfKeyNotFound) { return m.getOrDefault(key, valueIfKeyNotFound); }
    public void put(int key, E value) { m.put(key, value); }
    public void append(int key, E value) { m.put(key, value); }
    public void delete(int key) { m.remove(key); }
    public void remove(int key) { m.remove(key); }
    public void clear() { m.clear(); }
    public int size() { return m.size(); }
    public boolean contains(int key) { return m.containsKey(key); }

    public int keyAt(int index) { return (Integer) m.keySet().toArray()[index]; }

    @SuppressWarnings("unchecked")
    public E valueAt(int index) { return (E) m.values().toArray()[index]; }

    public int indexOfKey(int key) {
        int i = 0;
        for (Integer k : m.keySet()) { if (k == key) return i; i++; }
        return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    public SparseArray<E> clone() {
        try {
            SparseArray<E> c = (SparseArray<E>) super.clone();
            c.m = new TreeMap<>(m);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() { return m.toString(); }
}
