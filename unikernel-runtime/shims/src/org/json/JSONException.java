package org.json;

/** JSONException is a shim of org.json.JSONException. */
public class JSONException extends Exception {
    public JSONException(String s) { super(s); }
    public JSONException(String s, Throwable cause) { super(s, cause); }
    public JSONException(Throwable cause) { super(cause); }
}
