package transform_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mamoc-go/mamoc/transform"
)

// shimTask uses every stub the way an Android task would.
const shimTask = `package com.example.shims;

import android.text.TextUtils;
import android.util.Base64;
import android.util.Log;
import android.util.Pair;
import android.util.SparseArray;
import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

@Offloadable
public class UsesShims {
    public UsesShims() {
    }

    public String run() {
        Log.d("UsesShims", "logged to stderr, not the output");
        SparseArray<String> sa = new SparseArray<String>();
        sa.put(30, "c");
        sa.put(10, "a");
        sa.append(20, "b");
        sa.delete(99);
        sa.remove(30);
        Pair<String, Integer> p = Pair.create("x", 1);
        byte[] long76 = new byte[60];
        String wrapped = Base64.encodeToString(long76, Base64.DEFAULT);
        return TextUtils.isEmpty("") + "|" + TextUtils.join(",", new Object[]{sa.keyAt(0), sa.valueAt(1), sa.size()})
            + "|" + TextUtils.split("", ",").length + "|" + TextUtils.split("a,,b", ",").length
            + "|" + p + "|" + p.equals(new Pair<String, Integer>("x", 1))
            + "|" + Base64.encodeToString("hi".getBytes(), Base64.DEFAULT).replace("\n", "\\n")
            + "|" + Base64.encodeToString("hi".getBytes(), Base64.NO_WRAP | Base64.NO_PADDING)
            + "|" + Base64.encodeToString(new byte[]{(byte) 0xfb, (byte) 0xff}, Base64.URL_SAFE | Base64.NO_WRAP)
            + "|" + new String(Base64.decode("aG\nk=", Base64.DEFAULT))
            + "|" + wrapped.indexOf('\n') + "," + wrapped.length()
            + "|" + TextUtils.isDigitsOnly("123") + TextUtils.isDigitsOnly("12a");
    }
}
`

// runtimeShims holds the sources of the shim classes in the runtime's base image.
var runtimeShims = filepath.Join("..", "unikernel-runtime", "shims", "src")

func TestShimsCompileWithTask(t *testing.T) {
	javac, java := requireJDK(t)
	task, err := transform.Transform(shimTask, transform.Options{})
	if err != nil {
		t.Fatalf("Transform: %v", err)
	}
	wantShims := []string{"android.text.TextUtils", "android.util.Base64", "android.util.Log", "android.util.Pair", "android.util.SparseArray"}
	if !reflect.DeepEqual(task.Shims, wantShims) {
		t.Fatalf("Transform().Shims = %q, want %q", task.Shims, wantShims)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "src")
	files := []string{
		writeSource(t, root, "com/example/shims/UsesShims.java", task.Source),
		writeSource(t, root, "Main.java", "public class Main { public static void main(String[] a) { System.out.print(new com.example.shims.UsesShims().run()); } }"),
	}
	// The shims are the runtime's: the classes its base image gives every task.
	for _, class := range task.Shims {
		p := filepath.Join(runtimeShims, filepath.FromSlash(strings.ReplaceAll(class, ".", "/"))+".java")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the runtime has no shim for %s: %v", class, err)
		}
		files = append(files, p)
	}
	got := compileAndRun(t, javac, java, dir, files)
	// Values as Android's implementations give them; 60 zero bytes are 80
	// base-64 characters, wrapped after 76 with a final newline: 76 + 1 + 4 + 1.
	want := `true|10,b,2|0|3|Pair{x 1}|true|aGk=\n|aGk|-_8=|hi|76,82|truefalse`
	if got != want {
		t.Errorf("UsesShims.run() = %q, want %q", got, want)
	}
}
