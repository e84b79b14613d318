package robustness

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// freeFile is one free EF and its content as first read.
type freeFile struct {
	app    myna.App
	id     myna.FileID
	record bool
	data   []byte
}

func (f freeFile) String() string { return f.app.String() + "/" + f.id.String() }

// freeFiles reads every EF the access map marks free: transparent ones whole
// (the reader's adaptive read), record ones as record 1.
func freeFiles(ctx context.Context, c *target.Card) []freeFile {
	s := c.Session()
	var out []freeFile
	for _, app := range myna.Applications() {
		if !HasApp(app.App) {
			continue // not on this card generation
		}
		selected := false
		for _, ef := range app.EFs {
			if !ef.Kind.IsData() || !ef.Access.IsFree() {
				continue
			}
			f := freeFile{app: app.App, id: ef.ID, record: ef.Kind == myna.EFRecord}
			if !selected { // once per application: reading a free EF leaves it selected
				ExpectWithOffset(1, s.SelectApp(ctx, app.App)).To(Succeed(), "select %s", app.App)
				selected = true
			}
			if f.record {
				p2, _ := ef.ID.ReadRecordP2()
				f.data = ExpectSW(ctx, c, "read record 1 of "+f.String(), apdu.Command{INS: 0xB2, P1: 1, P2: p2, Ne: 256}, apdu.SWSuccess)
			} else {
				d, err := s.ReadEF(ctx, ef.ID)
				ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read %s", f)
				f.data = d
			}
			ExpectWithOffset(1, f.data).NotTo(BeEmpty(), "%s is empty", f)
			out = append(out, f)
		}
	}
	return out
}

// reference holds a physical card's free files as the first spec that needed them read them.
var reference struct {
	target *target.Target
	files  []freeFile
}

// referenceFiles returns the free files to compare with: read now, or on a physical card
// (Sampled) read once per run and shared by RB-014 and RB-015, which saves a read of every
// free EF (about 20 APDUs). A file that changed since is still caught: it differs from the
// reference.
func referenceFiles(ctx context.Context, c *target.Card) []freeFile {
	if !Sampled() {
		return freeFiles(ctx, c)
	}
	if reference.target != Current() {
		reference.files, reference.target = freeFiles(ctx, c), Current()
	}
	return reference.files
}

// expectSameFiles reads the free files again and compares them with ref.
func expectSameFiles(ctx context.Context, c *target.Card, ref []freeFile, when string) {
	now := freeFiles(ctx, c)
	ExpectWithOffset(1, now).To(HaveLen(len(ref)), "%s: free files", when)
	for i, f := range ref {
		ExpectWithOffset(1, bytes.Equal(now[i].data, f.data)).To(BeTrue(),
			"%s: free file %s changed (%d bytes, was %d)", when, f, len(now[i].data), len(f.data))
	}
}

// manyReads is RB-014: random reads of the free transparent EFs, each checked
// against the reference content.
func manyReads(ctx context.Context, c *target.Card) {
	total := map[target.Kind]int{target.Emulator: 5000, target.VPCD: 1000}[Current().Kind]
	if Sampled() {
		total = 10
	}
	var files []freeFile
	for _, f := range referenceFiles(ctx, c) {
		if !f.record {
			files = append(files, f)
		}
	}
	Expect(len(files)).To(BeNumerically(">=", 5), "free transparent EFs")
	GinkgoWriter.Printf("RB-014: %d commands over %d free files, seed %#x\n", total, len(files), SeedReads)
	rng := rand.New(rand.NewPCG(SeedReads, 0))
	var cur myna.App
	var curEF myna.FileID
	sent, reads := 0, 0
	for sent < total {
		f := files[rng.IntN(len(files))]
		if f.app != cur {
			ExpectSW(ctx, c, fmt.Sprintf("command %d (seed %#x): select %s", sent+1, SeedReads, f.app), SelectApp(f.app), apdu.SWSuccess)
			cur, curEF = f.app, 0
			sent++
		}
		var cmd apdu.Command
		var off int
		switch rng.IntN(3) {
		case 0: // by SFI: 8-bit offset
			off = rng.IntN(min(len(f.data), 256))
			cmd = apdu.Command{INS: 0xB0, P1: 0x80 | byte(f.id), P2: byte(off)}
			curEF = f.id
		default: // after SELECT EF: 15-bit offset
			if curEF != f.id {
				ExpectSW(ctx, c, fmt.Sprintf("command %d (seed %#x): select EF %s", sent+1, SeedReads, f), SelectEF(f.id), apdu.SWSuccess)
				curEF = f.id
				sent++
			}
			off = rng.IntN(len(f.data))
			cmd = ReadAt(off, 1)
		}
		switch n := rng.IntN(10); {
		case (n == 0 || (Sampled() && reads == 0)) && extendedOK(): // sampled: the first read is extended
			cmd.Ne, cmd.Extended = apdu.MaxExtendedNe, true
		case n == 1:
			cmd.Ne = 256
		default:
			cmd.Ne = 1 + rng.IntN(256)
		}
		r := Send(ctx, c, cmd)
		sent++
		reads++
		want := f.data[off:min(len(f.data), off+cmd.Ne)]
		Expect(r.SW).To(Equal(apdu.SWSuccess), "command %d (seed %#x): READ BINARY of %s at %d, Le %d: the card answered %s", sent, SeedReads, f, off, cmd.Ne, r.SW.String())
		if !bytes.Equal(r.Data, want) {
			Fail(fmt.Sprintf("command %d (seed %#x): READ BINARY of %s at %d, Le %d: %d bytes differ from the file as first read (%d bytes expected)",
				sent, SeedReads, f, off, cmd.Ne, len(r.Data), len(want)))
		}
	}
	GinkgoWriter.Printf("RB-014: %d reads among %d commands, all identical\n", reads, sent)
}

// sequences is RB-015 (spend false) and RB-016 (spend true).
func sequences(ctx context.Context, c *target.Card, spend bool) {
	count := map[target.Kind]int{target.Emulator: 200, target.VPCD: 40}[Current().Kind]
	if Sampled() {
		count = 1
	}
	const length = 16
	seed := SeedSequences
	if spend {
		seed++
	}
	GinkgoWriter.Printf("%d sequences of %d random commands, seed %#x\n", count, length, seed)
	ref := referenceFiles(ctx, c)
	var before map[string]int
	if !Sampled() { // a physical card's counters are read by the run before its first spec and after its last
		before = Counters(ctx, c, "before the sequences")
	}
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0)), spend: spend}
	histogram := map[apdu.StatusWord]int{}
	for s := range count {
		for i := range length {
			raw := g.command()
			if i == 0 { // start each sequence in a random application, so that every one gets its share
				raw = SelectApp(myna.Apps()[g.rng.IntN(len(myna.Apps()))]).MustBytes()
			}
			rsp, err := c.T.Transmit(ctx, raw)
			where := fmt.Sprintf("sequence %d, command %d (seed %#x)", s+1, i+1, seed)
			if err != nil {
				// A VERIFY with data may carry a wrong value only: printing it is harmless, but keep to the header.
				Fail(fmt.Sprintf("%s, header % X, %d bytes: no answer: %v", where, raw[:min(4, len(raw))], len(raw), err))
			}
			r, perr := apdu.ParseResponse(rsp)
			Expect(perr).NotTo(HaveOccurred(), "%s: the answer [% X] is not a response APDU", where, rsp)
			expectWellFormed(r, where, raw)
			histogram[r.SW]++
		}
		stillAnswers(ctx, c, fmt.Sprintf("sequence %d (seed %#x)", s+1, seed))
		if Sampled() { // a physical card: the files; the run reads every counter after its last spec
			expectSameFiles(ctx, c, ref, fmt.Sprintf("after sequence %d (seed %#x)", s+1, seed))
			continue
		}
		after, err := c.Tries(ctx)
		Expect(err).NotTo(HaveOccurred(), "tries after sequence %d", s+1)
		for _, k := range slices.Sorted(maps.Keys(before)) {
			switch {
			case after[k] > before[k]:
				Fail(fmt.Sprintf("sequence %d (seed %#x): counter %s rose from %d to %d", s+1, seed, k, before[k], after[k]))
			case !spend && after[k] != before[k]:
				Fail(fmt.Sprintf("sequence %d (seed %#x): counter %s went from %d to %d without any VERIFY data", s+1, seed, k, before[k], after[k]))
			}
		}
		Expect(after).To(HaveLen(len(before)), "counters after sequence %d", s+1)
		before = after
		expectSameFiles(ctx, c, ref, fmt.Sprintf("after sequence %d (seed %#x)", s+1, seed))
	}
	var sws strings.Builder
	for _, sw := range slices.Sorted(maps.Keys(histogram)) {
		fmt.Fprintf(&sws, " %04X×%d", uint16(sw), histogram[sw])
	}
	GinkgoWriter.Printf("status words:%s\nfinal counters: %v\n", sws.String(), before)
}

// expectWellFormed checks a response to a random command: an ISO status word,
// not an internal error, and data only with success or a warning.
func expectWellFormed(r apdu.Response, where string, raw []byte) {
	sw1 := r.SW.SW1()
	ExpectWithOffset(1, sw1 == 0x90 || (sw1 >= 0x61 && sw1 <= 0x6F)).To(BeTrue(), "%s: status word %s is not ISO 7816-4", where, r.SW.String())
	ExpectWithOffset(1, r.SW == apdu.SWNoPreciseDiagnosis || r.SW == apdu.SWMemoryFailure).To(BeFalse(),
		"%s, header % X: the card reported an internal error %s", where, raw[:min(4, len(raw))], r.SW.String())
	if len(r.Data) > 0 {
		ExpectWithOffset(1, r.SW == apdu.SWSuccess || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63).To(BeTrue(),
			"%s: %d data bytes with %s", where, len(r.Data), r.SW.String())
	}
}

// generator makes random commands: mostly plausible ones (known classes,
// instructions, application and file identifiers) so that the card's state
// moves, with wrong parameters, lengths and encodings mixed in.
type generator struct {
	rng   *rand.Rand
	spend bool // VERIFY, CHANGE REFERENCE DATA and CHANGE KEY may carry data
}

var (
	genOddCLA = []byte{0x01, 0x02, 0x03, 0x0C, 0x08, 0xA0, 0x10, 0x84}
	// genKeys are the SFIs of the card's key references (P2 = 80|SFI).
	genKeys = []byte{0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x1B, 0x1C}
	genINS  = []byte{
		0xA4, 0xA4, 0xA4, 0xA4, 0xA4, 0xA4, 0xB0, 0xB0, 0xB0, 0xB0, 0xB0, 0xB0, 0xB2, 0xB2, 0x20, 0x20, 0x20, 0x24,
		0x84, 0x84, 0x88, 0xCA, 0xCA, 0xC0, 0x2A, 0x2A, 0xA2, 0xAE, 0x32,
	}
	genUnknownINS = []byte{0x00, 0x0E, 0x44, 0xD6, 0xE0, 0xF0, 0x82} // not supported by the card
	// genProprietary are the instructions of class 80.
	genProprietary = map[byte]bool{0x2A: true, 0xA2: true, 0xAE: true, 0x32: true}
	genTags        = []uint16{0x00F0, 0x00F2, 0x00F8, 0x5F51, 0x0042, 0x0045, 0x0066, 0x7F21, 0x1234}
)

func (g *generator) pick(b []byte) byte { return b[g.rng.IntN(len(b))] }

func (g *generator) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return b
}

// value returns junk VERIFY data that can never be a right value: every
// check code, PIN and password is ASCII, and one byte here is ≥ 80.
func (g *generator) value() []byte {
	v := g.bytes(1 + g.rng.IntN(20))
	v[g.rng.IntN(len(v))] |= 0x80
	return v
}

func (g *generator) command() []byte {
	r := g.rng
	c := apdu.Command{INS: g.pick(genINS)}
	switch {
	case r.IntN(12) == 0:
		c.INS = g.pick(genUnknownINS)
	case g.spend && r.IntN(6) == 0:
		c.INS = 0x20
	}
	if genProprietary[c.INS] {
		c.CLA = 0x80
	}
	switch n := r.IntN(20); {
	case n < 3: // secure messaging, logical channels, other classes
		c.CLA = g.pick(genOddCLA)
	case n < 4: // the other class of the two the card uses
		c.CLA ^= 0x80
	}
	switch c.INS {
	case 0xA4:
		c.P1 = []byte{0x04, 0x04, 0x04, 0x02, 0x02, 0x02, 0x00, 0x01, 0x08}[r.IntN(9)]
		c.P2 = []byte{0x0C, 0x0C, 0x0C, 0x00, 0x04}[r.IntN(5)]
		switch c.P1 {
		case 0x04:
			if r.IntN(5) == 0 {
				c.Data = g.bytes(r.IntN(17))
			} else {
				c.Data = myna.Apps()[r.IntN(len(myna.Apps()))].AID()
			}
		case 0x02:
			if r.IntN(5) == 0 {
				c.Data = g.bytes(r.IntN(4))
			} else {
				c.Data = []byte{0x00, byte(1 + r.IntN(0x1E))}
			}
		default:
			c.Data = g.bytes(r.IntN(3))
		}
		if c.P2 == 0x00 || r.IntN(8) == 0 {
			c.Ne = 256
		}
	case 0xB0:
		if r.IntN(2) == 0 {
			c.P1 = 0x80 | byte(r.IntN(0x20))
		} else {
			c.P1 = byte(r.IntN(3))
		}
		if r.IntN(10) == 0 {
			c.P1 = byte(r.Uint32())
		}
		c.P2 = byte(r.Uint32())
		c.Ne = 1 + r.IntN(256)
	case 0xB2:
		c.P1 = byte(r.IntN(4))
		c.P2 = []byte{0x04, 0x0C, 0x14, byte(r.Uint32())}[r.IntN(4)]
		c.Ne = 1 + r.IntN(256)
	case 0x20, 0x24, 0x32:
		if r.IntN(4) == 0 {
			c.P1 = 1
		}
		c.P2 = 0x80 | g.pick(genKeys)
		switch r.IntN(10) {
		case 0:
			c.P2 = 0x80 | byte(r.IntN(0x20))
		case 1:
			c.P2 = byte(r.Uint32())
		}
		if g.spend && r.IntN(3) > 0 {
			c.Data = g.value()
		}
	case 0x84:
		c.Ne = []int{8, 16, 16, 256, 1 + r.IntN(256)}[r.IntN(5)]
		if r.IntN(8) == 0 {
			c.P1 = 1
		}
	case 0x88:
		c.P2 = []byte{0x99, 0x00, 0x80, byte(r.Uint32())}[r.IntN(4)]
		c.Data = g.bytes(1 + r.IntN(64))
		c.Ne = 256
	case 0xCA:
		t := genTags[r.IntN(len(genTags))]
		c.P1, c.P2 = byte(t>>8), byte(t)
		c.Ne = []int{1, 5, 8, 256, 1 + r.IntN(256)}[r.IntN(5)]
	case 0xC0:
		c.Ne = 1 + r.IntN(256)
	case 0x2A:
		c.P1 = byte(r.IntN(7))
		c.P2 = []byte{0x00, 0x80, 0x97, 0x9A, byte(r.Uint32())}[r.IntN(5)]
		c.Data = g.bytes(r.IntN(70))
		c.Ne = 256
	case 0xA2, 0xAE:
		c.Data = g.bytes([]int{0, 16, 256, 307, r.IntN(300)}[r.IntN(5)])
	default:
		c.P1, c.P2 = byte(r.Uint32()), byte(r.Uint32())
		if r.IntN(2) == 0 {
			c.Data = g.bytes(1 + r.IntN(32))
		}
		if r.IntN(2) == 0 {
			c.Ne = 1 + r.IntN(256)
		}
	}
	if r.IntN(12) == 0 {
		c.Extended = true
		if c.Ne == 256 || r.IntN(3) == 0 {
			c.Ne = apdu.MaxExtendedNe
		}
	}
	raw := c.MustBytes()
	if c.INS == 0x20 && !g.spend {
		return raw // a corrupted encoding could turn the query into a VERIFY with data
	}
	switch r.IntN(16) {
	case 0: // drop the last byte (never below a 4-byte header: PC/SC must carry it)
		if len(raw) > 4 {
			raw = raw[:len(raw)-1]
		}
	case 1: // one byte too many
		raw = append(raw, byte(r.Uint32()))
	case 2: // a wrong Lc
		if len(c.Data) > 0 && !c.IsExtended() {
			raw[4] = byte(r.Uint32())
		}
	}
	return raw
}

// fileIDsNear are the file IDs RB-017 selects in app: 0000–0041 and five high
// IDs; sampled (a physical card), 0000, each file CARD.md lists in app, the ID
// after the last of them, 3F00 and FFFF.
func fileIDsNear(app myna.App) []myna.FileID {
	last := myna.FileID(0)
	for id := range myna.FileID(0x42) {
		if _, ok := myna.LookupEF(app, id); ok {
			last = id
		}
	}
	var ids []myna.FileID
	for id := range myna.FileID(0x42) {
		_, listed := myna.LookupEF(app, id)
		if !Sampled() || id == 0 || listed || id == last+1 {
			ids = append(ids, id)
		}
	}
	if Sampled() {
		return append(ids, 0x3F00, 0xFFFF)
	}
	return append(ids, 0x00FF, 0x0100, 0x1F00, 0x3F00, 0xFFFF)
}
