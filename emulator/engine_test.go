package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

// testCard builds a small card by hand: one application with a key reference
// 0012 (14 digits, 3 tries) opening EF 0002, a free EF 0003, and a PIN 0011.
func testCard(t testing.TB, dir string) *Card {
	t.Helper()
	app := &application{id: "surface", aid: []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}, ssk: sskNotConfigured}
	app.efs[0x12] = &ef{fid: 0x12, kind: efKeyRef, key: &keyRef{state: "surface/0012", label: "check code B", ref: []byte("55021720354821"), limit: 3}}
	app.efs[0x11] = &ef{fid: 0x11, kind: efKeyRef, key: &keyRef{state: "surface/0011", label: "PIN", ref: []byte("1234"), limit: 3, change: changeRefData,
		validate: func(b []byte) error {
			if len(b) != 4 {
				return errors.New("4 digits")
			}
			return nil
		}}}
	app.efs[0x02] = &ef{fid: 0x02, kind: efBinary, data: bytes.Repeat([]byte{0xAB}, 600), read: access{anyOf: bit(0x12)}}
	app.efs[0x03] = &ef{fid: 0x03, kind: efBinary, data: []byte{1, 2, 3}, read: access{free: true}}
	st, err := openStore(dir, "test-card", "fp1", map[string]int{"surface/0012": 3, "surface/0011": 3})
	if err != nil {
		t.Fatal(err)
	}
	c := &Card{id: "test-card", atr: []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}, apps: []*application{app}, st: st, rand: rand.Reader,
		beh: behaviour{blockedQuery: 0x63C0, protectedRead: 0x6982, wrongLengthSpend: true, beyondEnd: 0x6B00, reselectClears: true, wrongCodeClears: true, extended: true}}
	c.PowerOn()
	return c
}

func x(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// run sends each command and checks the status word of each answer.
func run(t *testing.T, c *Card, steps ...string) {
	t.Helper()
	for i := 0; i+1 < len(steps); i += 2 {
		rsp := c.Transmit(x(steps[i]))
		r, err := apdu.ParseResponse(rsp)
		if err != nil {
			t.Fatalf("step %d %s: %v", i/2, steps[i], err)
		}
		if want := steps[i+1]; hex.EncodeToString([]byte{r.SW.SW1(), r.SW.SW2()}) != strings.ToLower(want) {
			t.Fatalf("step %d %s: got %v, want %s", i/2, steps[i], r.SW, want)
		}
	}
}

const (
	selSurface = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02"
	selB       = "00 A4 02 0C 02 00 12"
	verifyB    = "00 20 00 80 0E 3535303231373230333534383231"
	wrongB     = "00 20 00 80 0E 3535303231373230333534383232"
	query      = "00 20 00 80"
)

func TestVerifyCounter(t *testing.T) {
	c := testCard(t, "")
	run(t, c, selSurface, "9000", selB, "9000", query, "63C3", query, "63C3",
		wrongB, "63C2", query, "63C2", verifyB, "9000", query, "63C3", // success resets
		wrongB, "63C2", wrongB, "63C1", wrongB, "63C0", // the exhausting try answers 63C0
		verifyB, "6984", wrongB, "6984", query, "63C0", // blocked
	)
	c.Reset()
	run(t, c, selSurface, "9000", "00 20 00 92 0E 3535303231373230333534383231", "6984")
	c.PowerOff()
	c.PowerOn()
	run(t, c, selSurface, "9000", selB, "9000", verifyB, "6984")
}

func TestAccessAndReselect(t *testing.T) {
	c := testCard(t, "")
	run(t, c, selSurface, "9000",
		"00 A4 02 0C 02 00 02", "9000", "00 B0 00 00 00", "6982",
		"00 B0 83 00 03", "9000", // free EF by SFI
		selB, "9000", verifyB, "9000", "00 B0 82 00 00", "9000",
		"00 B0 02 58 00", "6B00", // offset 600 = size
		selSurface, "9000", "00 B0 82 00 00", "6982", // re-select clears
	)
	rsp := c.Transmit(x("00 B0 82 00 00 00 00"))
	if len(rsp) != 2 {
		t.Fatalf("extended read before verification answered %d bytes", len(rsp))
	}
	run(t, c, "00 20 00 92 0E 3535303231373230333534383231", "9000")
	rsp = c.Transmit(x("00 B0 82 00 00 00 00"))
	if len(rsp) != 602 || rsp[600] != 0x90 {
		t.Fatalf("extended read answered %d bytes", len(rsp))
	}
	rsp = c.Transmit(x("00 B0 02 50 00"))
	if len(rsp) != 10 { // Le larger than what remains: what remains
		t.Fatalf("read at 592 answered %d bytes", len(rsp))
	}
}

func TestMalformed(t *testing.T) {
	c := testCard(t, "")
	run(t, c,
		"00 A4", "6700", "00 A4 04 0C 05 01", "6700",
		"01 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02", "6881",
		"FF A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02", "6E00",
		"00 FE 00 00", "6D00", "80 B0 00 00 01", "6E00", "00 2A 00 00 01 00 00", "6E00",
		"00 A4 04 0C 03 01 02 03", "6A82", "00 A4 00 00", "6A86", "00 A4 00 0C 02 3F 00", "6A82",
		"00 B0 00 00 01", "6986", "00 C0 00 00 10", "6985",
		selSurface, "9000", "00 A4 02 0C 02 00 1F", "6A82", "00 A4 02 0C 01 00", "6700", "00 A4 07 0C 02 00 02", "6A86",
		"00 20 01 80", "6A86", "00 20 00 00", "6A86", "00 20 00 80", "6A88", "00 20 00 83", "6A88",
		"08 B0 00 00 00", "6882", "0C B0 00 00 00", "6882",
	)
}

func TestDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	c := testCard(t, dir)
	run(t, c, selSurface, "9000", selB, "9000", wrongB, "63C2", wrongB, "63C1")
	c2 := testCard(t, dir) // a new process loading the same state
	run(t, c2, selSurface, "9000", selB, "9000", query, "63C1", wrongB, "63C0")
	c3 := testCard(t, dir)
	run(t, c3, selSurface, "9000", selB, "9000", verifyB, "6984")
}

func TestTearAfterDecrementSpendsTry(t *testing.T) {
	dir := t.TempDir()
	c := testCard(t, dir)
	run(t, c, selSurface, "9000", selB, "9000")
	c.hooks.afterDecrement = func() bool { return true }
	if rsp := c.Transmit(x(verifyB)); rsp != nil {
		t.Fatalf("torn VERIFY answered % X", rsp)
	}
	if c.Powered() {
		t.Fatal("card still powered after a tear")
	}
	c2 := testCard(t, dir)
	run(t, c2, selSurface, "9000", selB, "9000", query, "63C2")
}

func TestWriteFailureAnswersMemoryFailure(t *testing.T) {
	c := testCard(t, t.TempDir())
	run(t, c, selSurface, "9000", selB, "9000")
	c.st.beforeWrite = func() error { return errors.New("disk full") }
	run(t, c, verifyB, "6581", query, "63C3") // nothing compared, nothing spent in memory
}

func TestFailNextWriteIsOneShot(t *testing.T) {
	dir := t.TempDir()
	c := testCard(t, dir)
	run(t, c, selSurface, "9000", selB, "9000")
	c.FailNextWrite()
	run(t, c, wrongB, "6581", query, "63C3", wrongB, "63C2")
	run(t, testCard(t, dir), selSurface, "9000", selB, "9000", query, "63C2") // the second try is durable
}

func TestPowerEvents(t *testing.T) {
	c := testCard(t, "")
	run(t, c, selSurface, "9000")
	c.PowerOff()
	if c.Powered() {
		t.Fatal("powered after PowerOff")
	}
	run(t, c, selSurface, "6F00")
	c.Reset() // a reset of an unpowered card powers it
	if !c.Powered() {
		t.Fatal("unpowered after Reset")
	}
	run(t, c, selSurface, "9000")
}

func TestCorruptAndForeignState(t *testing.T) {
	dir := t.TempDir()
	c := testCard(t, dir)
	run(t, c, selSurface, "9000", selB, "9000", wrongB, "63C2")
	path := filepath.Join(dir, "test-card.state.json")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"edited counter", bytes.Replace(good, []byte(`"surface/0012": 2`), []byte(`"surface/0012": 3`), 1), ErrCorruptState},
		{"truncated", good[:len(good)/2], ErrCorruptState},
		{"empty", nil, ErrCorruptState},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Equal(tc.data, good) {
				t.Fatal("test data did not change the file")
			}
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := openStore(dir, "test-card", "fp1", map[string]int{"surface/0012": 3, "surface/0011": 3})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, tc.data) {
				t.Fatal("the corrupt file was modified")
			}
		})
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openStore(dir, "test-card", "other", map[string]int{"surface/0012": 3, "surface/0011": 3}); !errors.Is(err, ErrForeignState) {
		t.Fatalf("foreign fingerprint: err = %v", err)
	}
}

func TestChangeReferenceData(t *testing.T) {
	dir := t.TempDir()
	c := testCard(t, dir)
	run(t, c, selSurface, "9000", "00 A4 02 0C 02 00 11", "9000",
		"00 24 01 80 04 39393939", "6982", // not verified
		"00 20 00 80 04 31323334", "9000",
		"00 24 01 80 03 393939", "6A80", // bad form
		"00 24 01 80 04 39393939", "9000",
		"00 20 00 80 04 31323334", "63C2",
		"00 20 00 80 04 39393939", "9000",
		selB, "9000", "00 24 01 80 04 39393939", "6985", // not changeable
	)
	raw, _ := os.ReadFile(filepath.Join(dir, "test-card.state.json"))
	if bytes.Contains(raw, []byte("9999")) || bytes.Contains(raw, []byte("39393939")) {
		t.Fatal("the changed PIN is stored in clear")
	}
	c2 := testCard(t, dir)
	run(t, c2, selSurface, "9000", "00 A4 02 0C 02 00 11", "9000", "00 20 00 80 04 39393939", "9000")
}
