package safedir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrepare(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "a", "b")
	if err := Prepare(fresh); err != nil {
		t.Fatalf("new directory: %v", err)
	}
	if st, err := os.Stat(fresh); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("new directory: %v %v, want mode 0700", st.Mode(), err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(fresh, link); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	group := filepath.Join(base, "group")
	if err := os.Mkdir(group, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(group, 0o770); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, want string }{
		{link, "symbolic link"}, {open, "mode 0777"}, {group, "mode 0770"},
	} {
		if err := Prepare(tc.dir); !errors.Is(err, ErrUnsafe) || !contains(err.Error(), tc.want) || !contains(err.Error(), tc.dir) {
			t.Errorf("%s: %v, want ErrUnsafe naming %q", tc.dir, err, tc.want)
		}
	}
	if err := Prepare(file); err == nil {
		t.Error("a regular file accepted as the directory")
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(base, "other")
		if err := os.Mkdir(other, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		if err := Prepare(other); !errors.Is(err, ErrUnsafe) || !contains(err.Error(), "owned by user 4242") {
			t.Errorf("a directory of another user: %v", err)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A symbolic link planted where a file will go is replaced, not followed.
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "face.jp2")); err != nil {
		t.Fatal(err)
	}
	// An existing world-readable file is replaced by an owner-only one.
	if err := os.WriteFile(filepath.Join(dir, "name.png"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"face.jp2", "name.png", "new.png"} {
		if err := WriteFile(dir, name, []byte("photo")); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st, err := os.Lstat(filepath.Join(dir, name))
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want a regular file of mode 0600", name, st.Mode(), err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != "photo" {
			t.Errorf("%s: %q", name, b)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	for _, bad := range []string{"", "..", "a/b", "../x"} {
		if err := WriteFile(dir, bad, nil); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d entries, want 3 (no temporary file left)", len(entries))
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dir, "x", nil); !errors.Is(err, ErrUnsafe) {
		t.Errorf("into a directory others may write: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
