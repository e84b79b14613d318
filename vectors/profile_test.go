package vectors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/myna"
)

// TestProfileIDs: every profile directory of the repository is embedded.
func TestProfileIDs(t *testing.T) {
	var want []string
	dirs, err := os.ReadDir("profiles")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join("profiles", d.Name(), "profile.json")); err == nil {
			want = append(want, d.Name())
		}
	}
	if diff := cmp.Diff(want, ProfileIDs()); diff != "" || len(want) < 6 {
		t.Errorf("embedded profiles (-on disk +embedded):\n%s", diff)
	}
}

func TestLoadProfile(t *testing.T) {
	onDisk := filepath.Join("profiles", "p03-foreign-resident", "profile.json")
	for _, tc := range []struct {
		name, ref, wantID string
		embedded          bool
		wantErr           error
	}{
		{"ID", "p01-showa", "p01-showa", true, nil},
		{"another ID", "p06-taisho-contactless", "p06-taisho-contactless", true, nil},
		{"file", onDisk, "p03-foreign-resident", false, nil},
		{"directory", filepath.Dir(onDisk), "p03-foreign-resident", false, nil},
		{"unknown ID", "p99-nobody", "", false, ErrUnknownProfile},
		{"the CA's keys are no profile", "testca", "", false, ErrUnknownProfile},
		{"no such file", "no/such/profile.json", "", false, ErrUnknownProfile},
		{"directory without profile.json", "profiles", "", false, ErrUnknownProfile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadProfile(tc.ref)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("LoadProfile(%q) = %v; want %v", tc.ref, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ID != tc.wantID || (p.FS != nil) != tc.embedded {
				t.Errorf("LoadProfile(%q): ID %s, embedded %t; want %s, %t", tc.ref, p.ID, p.FS != nil, tc.wantID, tc.embedded)
			}
		})
	}
}

// TestEmbeddedMatchesDisk: the embedded copy of a profile is the repository's, images and keys
// included.
func TestEmbeddedMatchesDisk(t *testing.T) {
	for _, id := range ProfileIDs() {
		emb, err := LoadProfile(id)
		if err != nil {
			t.Fatal(err)
		}
		disk, err := myna.LoadProfile(filepath.Join("profiles", id, "profile.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(emb.Images.Face, disk.Images.Face) || !bytes.Equal(emb.Images.Name, disk.Images.Name) {
			t.Errorf("%s: embedded images differ from the repository's", id)
		}
		for _, role := range myna.SetKeyRoles() {
			ek, _ := emb.Key(role)
			dk, _ := disk.Key(role)
			if ek == nil || dk == nil || !ek.Equal(dk) {
				t.Errorf("%s: key %s differs or is missing", id, role)
			}
		}
		if emb.CheckCodeB().Reveal() != disk.CheckCodeB().Reveal() {
			t.Errorf("%s: check code B differs", id)
		}
	}
}
