package emulator

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpenStore feeds arbitrary bytes to the state-file loader (store.load, the
// part of openStore after the file is read: a temporary directory, a lock and
// an fsync per input kept it at one input a second), as they are and with the
// checksum made right (so that the checks behind it are reached too): a state
// file is either refused as corrupt or foreign — never a panic, never a silent
// reset — or loaded with every counter within 0..limit. TestOpenStoreRefusesFuzzSeeds
// runs the seeds through openStore itself, on disk.
func FuzzOpenStore(f *testing.F) {
	initial := map[string]int{"surface/0012": 10, "text/0011": 3}
	valid := func(counters map[string]int, changed map[string]changedSecret) []byte {
		sf := stateFile{Schema: stateSchema, Card: "p", Fingerprint: "fp", Counters: counters, Changed: changed}
		sf.Checksum = sf.checksum()
		b, _ := json.Marshal(sf)
		return b
	}
	f.Add(valid(map[string]int{"surface/0012": 7, "text/0011": 3}, nil))
	f.Add(valid(map[string]int{"surface/0012": 11, "text/0011": 3}, nil))
	f.Add(valid(map[string]int{"surface/0012": -1, "text/0011": 0}, nil))
	f.Add(valid(map[string]int{"surface/0012": 1}, nil))
	f.Add(valid(map[string]int{"surface/0012": 1, "text/0011": 1}, map[string]changedSecret{"jpki/0018": {}}))
	f.Add([]byte(`{"schema":"taimen.card-state/v0"}`))
	f.Add([]byte(`{"schema":"taimen.card-state/v1","card":"q","fingerprint":"fp","counters":{},"checksum":""}`))
	f.Add([]byte(`{"schema":"taimen.card-state/v1","extra":1}`))
	f.Add([]byte("{"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		inputs := [][]byte{raw}
		var sf stateFile
		if json.Unmarshal(raw, &sf) == nil {
			sf.Checksum = sf.checksum()
			if b, err := json.Marshal(sf); err == nil {
				inputs = append(inputs, b)
			}
		}
		for _, data := range inputs {
			const path = "/state/p.state.json"
			s := &store{path: path, card: "p", fingerprint: "fp", counters: map[string]int{}, changed: map[string]changedSecret{}}
			err := s.load(data, initial)
			if err != nil {
				if !errors.Is(err, ErrCorruptState) && !errors.Is(err, ErrForeignState) {
					t.Fatalf("refused without saying why: %v", err)
				}
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("the error does not name the file: %v", err)
				}
				continue
			}
			if s.fresh {
				t.Fatal("an existing file loaded as a fresh card")
			}
			for k, limit := range initial {
				if n := s.tries(k); n < 0 || n > limit {
					t.Fatalf("%s loaded with %d tries, limit %d", k, n, limit)
				}
			}
			for k := range s.changed {
				if _, ok := initial[k]; !ok {
					t.Fatalf("changed reference for unknown key %s loaded", k)
				}
			}
		}
	})
}

// The loader on disk: openStore refuses a corrupt or foreign state file with an error naming
// it, and leaves the file as it was.
func TestOpenStoreRefusesFuzzSeeds(t *testing.T) {
	initial := map[string]int{"surface/0012": 10, "text/0011": 3}
	for _, data := range []string{`{"schema":"taimen.card-state/v0"}`, `{"schema":"taimen.card-state/v1","extra":1}`, "{", "",
		`{"schema":"taimen.card-state/v1","card":"q","fingerprint":"fp","counters":{},"checksum":""}`} {
		dir := t.TempDir()
		path := filepath.Join(dir, "p.state.json")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := openStore(dir, "p", "fp", initial)
		if !errors.Is(err, ErrCorruptState) && !errors.Is(err, ErrForeignState) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: %v", data, err)
		}
		if back, _ := os.ReadFile(path); string(back) != data {
			t.Errorf("%q: the refused file was changed", data)
		}
	}
}
