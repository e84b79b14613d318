package reader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/taimen-dev/taimen/apdu"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Synthetic person p01-showa (docs/CONTRACTS.md): all data fictional.
const (
	checkCodeB      = "55021720354821" // 昭和55-02-17, expiry 2035, security code 4821
	wrongCheckCodeB = "55021720350000"
	birthDate       = "19800217"
	expiryDate      = "20350217"
	holderName      = "番号　太郎"
	holderAddress   = "東京都千代田区試験町一丁目２番３号"
)

// filler returns n deterministic pseudo-random bytes for label.
func filler(label string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", label, i)))
		out = append(out, h[:]...)
	}
	return out[:n]
}

func build(t testing.TB, f func(*apdu.Builder)) []byte {
	t.Helper()
	b := apdu.NewBuilder(nil)
	f(b)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cardFace returns a card-surface EF 0002 laid out as CARD.md §5.3 (contents synthetic).
func cardFace(t testing.TB) []byte {
	png := func(label string, n int) []byte {
		return append(mustHex("89504E470D0A1A0A"), filler(label, n)...)
	}
	face := build(t, func(b *apdu.Builder) {
		b.AddConstructed(0xFF20, apdu.LengthLong2, func(b *apdu.Builder) {
			b.Add(0xDF21, make([]byte, 18)) // offsets: not checked here
			b.Add(0xDF22, []byte(birthDate))
			b.Add(0xDF23, []byte("1"))
			b.AddForm(0xDF24, apdu.LengthLong2, append(mustHex("9003010001918201 00"), filler("card key", 256)...))
			b.Add(0xDF25, png("name image", 60))
			b.Add(0xDF26, png("address image", 120))
			b.Add(0xDF27, append(mustHex("0000000C6A5020200D0A870A"), filler("photo", 300)...))
			b.AddForm(0xDF28, apdu.LengthLong2, filler("signature", 256))
			b.Add(0xDF29, []byte(expiryDate))
			b.Add(0xDF2A, png("security code image", 30))
		})
	})
	return append(face, 0xFF, 0xFF, 0xFF)
}

// cvCert returns a 568-byte CV certificate laid out as CARD.md §5.5 (contents synthetic).
func cvCert(t testing.TB) []byte {
	return build(t, func(b *apdu.Builder) {
		b.AddConstructed(0x7F21, apdu.LengthLong2, func(b *apdu.Builder) {
			b.AddForm(0x5F4E, apdu.LengthLong2, append([]byte("9000023\x08\x05001\x00\x00\x00\x00"), filler("cv body", 297-16)...))
			b.AddForm(0x5F37, apdu.LengthLong2, filler("cv signature", 256))
		})
	})
}

// basicFour returns a text AP EF 0002 laid out as CARD.md §5.2.
func basicFour(t testing.TB) []byte {
	return build(t, func(b *apdu.Builder) {
		b.AddConstructed(0xFF20, apdu.LengthMinimal, func(b *apdu.Builder) {
			b.Add(0xDF21, mustHex("000E00200059 0064"))
			b.Add(0xDF22, []byte(holderName))
			b.Add(0xDF23, []byte(holderAddress))
			b.Add(0xDF24, []byte(birthDate))
			b.Add(0xDF25, []byte("1"))
		})
	})
}

// script is an ordered exchange: commands and their answers (hex).
type script [][2]string

func (s *script) add(cmd, rsp string) { *s = append(*s, [2]string{cmd, rsp}) }

// readChunks adds READ BINARY of data in 256-byte chunks (P1 = p1base | offset high byte).
func (s *script) readChunks(p1base byte, data []byte) {
	for off := 0; off < len(data); off += 256 {
		end := min(off+256, len(data))
		s.add(fmt.Sprintf("00B0%02X%02X00", p1base|byte(off>>8), byte(off)), HexUpper(data[off:end])+"9000")
	}
}

// faceToFace returns a face-to-face reading (CARD.md §7) with the card's answers.
func faceToFace(t testing.TB) script {
	var s script
	digits := func(code string) string { return "0E" + HexUpper([]byte(code)) }
	face := cardFace(t)

	s.add("00A4040C0AD3921000310001010402", "9000") // SELECT card-surface AP
	s.add("00A4020C020012", "9000")                 // SELECT check code B
	s.add("00200080", "63CA")                       // tries left
	s.add("00200080"+digits(wrongCheckCodeB), "63C9")
	s.add("00200080"+digits(checkCodeB), "9000")
	s.add("00A4020C020002", "9000") // SELECT card face
	s.add("00B0000007", HexUpper(face[:7])+"9000")
	s.readChunks(0x00, face)
	s.add("00A4020C020004", "9000") // SELECT CV certificate (public)
	s.readChunks(0x00, cvCert(t))
	s.add("0084000008", "0123456789ABCDEF9000")
	// The text AP with check code B by SFI, then the basic four by SFI.
	s.add("00A4040C0AD3921000310001010408", "9000")
	s.add("00200095"+digits(checkCodeB), "9000")
	s.add("00B0820000", HexUpper(basicFour(t))+"9000")
	// MF level: expiry by GET DATA is masked, card recognition data is not.
	s.add("00A4040C07A0000001510000", "9000")
	s.add("00CA00F200", HexUpper([]byte(expiryDate))+"9000")
	s.add("00CA006600", "7306060A2A864886FC6B9000")
	return s
}

func (s script) card() *fakeCard {
	c := newFakeCard(nil)
	c.queue = append([][2]string(nil), s...)
	return c
}

// fakeClock advances by one millisecond per reading.
func fakeClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

func runFaceToFace(t *testing.T, reveal bool) ([]Entry, []byte) {
	t.Helper()
	s := faceToFace(t)
	tr := NewTrace(NewEmulated(s.card()), TraceOptions{Reveal: reveal, Now: fakeClock()})
	ctx := context.Background()
	for _, x := range s {
		rsp, err := tr.Transmit(ctx, mustHex(x[0]))
		if err != nil {
			t.Fatal(err)
		}
		if got := HexUpper(rsp); got != x[1] {
			t.Fatalf("card answered %s to %s…, script says %s", got[max(0, len(got)-4):], x[0][:8], x[1][max(0, len(x[1])-4):])
		}
	}
	if err := tr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(tr.Entries(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return tr.Entries(), append(out, '\n')
}

// secretForms returns the secrets of the face-to-face script in every form a leak could take:
// ASCII, and hex in both cases; plus every 8-byte window of the personal files, as hex.
func secretForms(t *testing.T) []string {
	var forms []string
	for _, s := range []string{checkCodeB, wrongCheckCodeB, birthDate, expiryDate, holderName, holderAddress} {
		forms = append(forms, s, HexUpper([]byte(s)), hex.EncodeToString([]byte(s)))
	}
	for _, file := range [][]byte{cardFace(t), basicFour(t)} {
		for i := 0; i+8 <= len(file); i++ {
			if w := file[i : i+8]; !bytes.Equal(w, bytes.Repeat([]byte{0}, 8)) {
				forms = append(forms, HexUpper(w), hex.EncodeToString(w))
			}
		}
	}
	return forms
}

func TestTraceFaceToFaceGolden(t *testing.T) {
	entries, got := runFaceToFace(t, false)
	golden := filepath.Join("testdata", "face_to_face.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("trace JSON differs from %s (-want +got):\n%s", golden, diff)
	}
	for _, f := range secretForms(t) {
		if strings.Contains(string(got), f) {
			t.Errorf("trace JSON contains a secret or personal datum (form %d chars long)", len(f))
		}
	}
	// The entries round-trip through JSON.
	var back []Entry
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(entries, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	// Public data stays visible: the challenge and its signature.
	for _, public := range []string{"0123456789ABCDEF", "7306060A2A864886FC6B"} {
		if !strings.Contains(string(got), public) {
			t.Errorf("public data %s… missing from the trace", public[:8])
		}
	}
	// The CV certificate is readable by anyone holding the card, but names the
	// issuing municipality: masked, with that reason.
	if strings.Contains(string(got), HexUpper(cvCert(t)[:32])) {
		t.Error("the CV certificate (it names the issuing municipality) is in the trace")
	}
	masked := 0
	for _, e := range entries {
		if e.Object == "surface/0004" && e.Op == "READ BINARY" {
			if e.RedactedResponse != ReasonMunicipality {
				t.Errorf("READ BINARY of surface/0004: redacted %q, want %q", e.RedactedResponse, ReasonMunicipality)
			}
			masked++
		}
	}
	if masked == 0 {
		t.Error("no READ BINARY of surface/0004 in the trace")
	}
}

func TestTraceRevealShowsSecrets(t *testing.T) {
	_, got := runFaceToFace(t, true)
	for _, s := range []string{checkCodeB, birthDate, holderName} {
		if !strings.Contains(string(got), HexUpper([]byte(s))) {
			t.Errorf("revealed trace lacks the hex of a secret (%d bytes)", len(s))
		}
	}
	if !strings.Contains(string(got), `"revealed": true`) {
		t.Error("revealed entries are not marked")
	}
}

func TestTraceLimitAndErrors(t *testing.T) {
	card := newFakeCard(map[string]string{"00A4040C0AD3921000310001010402": "9000"})
	tr := NewTrace(NewEmulated(card), TraceOptions{Limit: 2, Now: fakeClock()})
	ctx := context.Background()
	for range 3 {
		if _, err := tr.Transmit(ctx, mustHex("00A4040C0AD3921000310001010402")); err != nil {
			t.Fatal(err)
		}
	}
	card.tearNext = true
	if _, err := tr.Transmit(ctx, mustHex("00A4040C0AD3921000310001010402")); !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("torn: %v", err)
	}
	got := tr.Entries()
	if len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 4 {
		t.Fatalf("kept entries %+v, want seq 3 and 4", got)
	}
	if !strings.Contains(got[1].Err, ErrCardRemoved.Error()) || got[1].SW != "" {
		t.Errorf("failed exchange entry = %+v", got[1])
	}
	if got[0].Duration != time.Millisecond {
		t.Errorf("duration %v, want 1ms from the fake clock", got[0].Duration)
	}
}

func TestLoggingWritesRedactedLines(t *testing.T) {
	s := faceToFace(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	card := s.card()
	tr := NewLogging(NewEmulated(card), logger, LoggingOptions{})
	ctx := context.Background()
	for _, x := range s {
		if _, err := tr.Transmit(ctx, mustHex(x[0])); err != nil {
			t.Fatal(err)
		}
	}
	card.tearNext = true
	tr.Transmit(ctx, mustHex(s[0][0]))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(s)+1 {
		t.Fatalf("%d log lines for %d exchanges", len(lines), len(s)+1)
	}
	for _, f := range secretForms(t) {
		if strings.Contains(buf.String(), f) {
			t.Fatalf("log contains a secret or personal datum (form %d chars long)", len(f))
		}
	}
	type line struct {
		Level, Msg, Op, Object, Command, SW, Error string
		RedactedCommand                            string `json:"redacted_command"`
	}
	var verify, last line
	if err := json.Unmarshal([]byte(lines[4]), &verify); err != nil {
		t.Fatal(err)
	}
	want := line{Level: "DEBUG", Msg: "apdu", Op: "VERIFY", Object: "surface/0012", Command: "002000800E[redacted 14 bytes]", SW: "9000", RedactedCommand: ReasonSecret}
	if diff := cmp.Diff(want, verify); diff != "" {
		t.Errorf("VERIFY line (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if last.Level != "WARN" || last.Error == "" {
		t.Errorf("failed exchange logged as %+v, want a WARN line with the error", last)
	}
}

// TestTraceLimitWraps: past the limit, many times over, the trace keeps the most recent entries
// in order, and the digest still counts every exchange, its bytes and its time.
func TestTraceLimitWraps(t *testing.T) {
	const sel = "00A4040C0AD3921000310001010402"
	for _, tc := range []struct{ limit, sends int }{{1, 5}, {3, 3}, {3, 7}, {4, 23}, {0, 9}} {
		t.Run(fmt.Sprintf("limit %d, %d sent", tc.limit, tc.sends), func(t *testing.T) {
			card := newFakeCard(map[string]string{sel: "9000"})
			tr := NewTrace(NewEmulated(card), TraceOptions{Limit: tc.limit, Now: fakeClock()})
			for range tc.sends {
				if _, err := tr.Transmit(context.Background(), mustHex(sel)); err != nil {
					t.Fatal(err)
				}
			}
			want := tc.sends
			if tc.limit > 0 {
				want = min(tc.limit, tc.sends)
			}
			var seqs []int
			for _, e := range tr.Entries() {
				seqs = append(seqs, e.Seq)
			}
			var wantSeqs []int
			for i := tc.sends - want + 1; i <= tc.sends; i++ {
				wantSeqs = append(wantSeqs, i)
			}
			if d := cmp.Diff(wantSeqs, seqs); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
			wantDigest := TraceDigest{Exchanges: tc.sends, Bytes: int64(tc.sends * (len(sel)/2 + 2)), Duration: time.Duration(tc.sends) * time.Millisecond}
			if d := cmp.Diff(wantDigest, tr.Digest()); d != "" {
				t.Errorf("digest (-want +got):\n%s", d)
			}
		})
	}
}

// BenchmarkTraceLimit: recording past the limit costs the same per exchange whatever the limit
// (a trim per exchange made it grow with the limit).
func BenchmarkTraceLimit(b *testing.B) {
	const sel = "00A4040C0AD3921000310001010402"
	for _, limit := range []int{100, 10000} {
		b.Run(fmt.Sprint(limit), func(b *testing.B) {
			card := newFakeCard(map[string]string{sel: "9000"})
			tr := NewTrace(NewEmulated(card), TraceOptions{Limit: limit})
			cmd := mustHex(sel)
			for b.Loop() {
				tr.Transmit(context.Background(), cmd)
			}
		})
	}
}
