package org.json;

import java.util.*;

/** JSONArray is a shim of Android's org.json.JSONArray. */
public class JSONArray {
    private final List<Object> values = new ArrayList<>();

    public JSONArray() {}

    public JSONArray(Collection<?> c) { if (c != null) for (Object o : c) values.add(JSONObject.wrap(o)); }

    public JSONArray(String json) throws JSONException { this(new JSONTokener(json)); }

    public JSONArray(JSONTokener t) throws JSONException {
        Object v = t.nextValue();
        if (!(v instanceof JSONArray)) throw new JSONException("Value " + v + " cannot be converted to JSONArray");
        values.addAll(((JSONArray) v).values);
    }

    public int length() { return values.size(); }
    public JSONArray put(Object v) { values.add(v); return this; }
    public JSONArray put(boolean v) { return put((Object) v); }
    public JSONArray put(int v) { return put((Object) v); }
    public JSONArray put(long v) { return put((Object) v); }
    public JSONArray put(double v) { return put((Object) v); }

    public JSONArray put(int index, Object v) throws JSONException {
        if (index < 0) throw new JSONException("Index " + index + " out of range");
        while (values.size() <= index) values.add(null);
        values.set(index, v);
        return this;
    }

    public boolean isNull(int i) { Object v = opt(i); return v == null || v == JSONObject.NULL; }
    public Object opt(int i) { return i < 0 || i >= values.size() ? null : values.get(i); }
    public Object remove(int i) { return i < 0 || i >= values.size() ? null : values.remove(i); }

    public Object get(int i) throws JSONException {
        Object v = opt(i);
        if (v == null) throw new JSONException("Index " + i + " out of range [0.." + values.size() + ")");
        return v;
    }

    private JSONObject holder(int i) throws JSONException { return new JSONObject().put("v", get(i)); }
    public boolean getBoolean(int i) throws JSONException { return holder(i).getBoolean("v"); }
    public double getDouble(int i) throws JSONException { return holder(i).getDouble("v"); }
    public int getInt(int i) throws JSONException { return holder(i).getInt("v"); }
    public long getLong(int i) throws JSONException { return holder(i).getLong("v"); }
    public String getString(int i) throws JSONException { return holder(i).getString("v"); }
    public JSONArray getJSONArray(int i) throws JSONException { return holder(i).getJSONArray("v"); }
    public JSONObject getJSONObject(int i) throws JSONException { return holder(i).getJSONObject("v"); }
    public int optInt(int i) { try { return getInt(i); } catch (JSONException e) { return 0; } }
    public long optLong(int i) { try { return getLong(i); } catch (JSONException e) { return 0L; } }
    public double optDouble(int i) { try { return getDouble(i); } catch (JSONException e) { return Double.NaN; } }
    public boolean optBoolean(int i) { try { return getBoolean(i); } catch (JSONException e) { return false; } }
    public String optString(int i) { try { return getString(i); } catch (JSONException e) { return ""; } }
    public JSONObject optJSONObject(int i) { Object v = opt(i); return v instanceof JSONObject ? (JSONObject) v : null; }
    public JSONArray optJSONArray(int i) { Object v = opt(i); return v instanceof JSONArray ? (JSONArray) v : null; }

    public String join(String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) sb.append(sep);
            JSONObject.write(sb, values.get(i));
        }
        return sb.toString();
    }

    @Override
    public String toString() { return "[" + join(",") + "]"; }

    public String toString(int indent) { return toString(); }
}
