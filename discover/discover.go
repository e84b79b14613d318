package discover

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// ErrNotMyNumberCard means the card did not select the My Number Card's applications.
var ErrNotMyNumberCard = fmt.Errorf("not a My Number Card: its applications do not answer SELECT (%w)", reader.ErrNoCardSurface)

// OpenSCNote is the interop consequence of 6984 from a blocked key's status query (FIELD.md).
const OpenSCNote = "OpenSC's jpki driver fails to bind to a card whose blocked key answers the status query with 6984 " +
	"(\"Unsupported card\"), and then loses the signing token too, although that token is not blocked"

// MinSpendTries is the fewest tries a key must have left before --allow-spend spends one.
const MinSpendTries = 3

// Options say what discovery may use.
type Options struct {
	// Codes are the correct values the user gave (from TAIMEN_* variables), by kind.
	Codes map[myna.SecretKind]myna.Secret
	// AllowSpend answers the questions only a spent try answers; it needs check code B.
	AllowSpend bool
	Reader     string // the reader's name, for the report
	Driver     string // its driver version, "" if unknown
	Now        time.Time
}

type run struct {
	s    *reader.Session
	opts Options
	doc  *Document
	// what was measured
	fillers     map[byte]bool
	blockedSW   apdu.StatusWord
	protectedSW map[apdu.StatusWord]bool
	protected   []myna.EFRef
	plain       []time.Duration // round trips of the plain commands sent (SELECT by AID, empty VERIFY)
}

// Discover asks the card behind s every question CARD.md leaves open that opts allow, and
// returns the discover document. It never leaves a counter lower than it found it: codes
// are only ever the correct ones, and with AllowSpend each spent try is restored by the
// correct code at once (keys with fewer than MinSpendTries tries are left alone).
func Discover(ctx context.Context, s *reader.Session, opts Options) (*Document, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	r := &run{s: s, opts: opts, fillers: map[byte]bool{}, protectedSW: map[apdu.StatusWord]bool{}, doc: &Document{
		Schema: Schema, EFSizes: map[string]int{}, Tries: map[string]int{}, RetryLimits: map[string]int{}, Apps: map[string]bool{},
		ATR: reader.HexUpper(s.Transport().ATR()), Reader: opts.Reader, Driver: opts.Driver, Date: opts.Now.UTC().Format("2006-01-02"),
	}}
	if r.doc.Driver == "" {
		r.doc.Driver = "unknown"
	}
	steps := []func(context.Context) error{r.apps, r.tries, r.latency, r.reads, r.extended, r.beyondEnd, r.shortLe, r.withCodes, r.spend}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	r.summarize()
	return r.doc, nil
}

func (r *run) send(ctx context.Context, step string, cmd apdu.Command) (apdu.Response, error) {
	resp, err := r.s.Send(ctx, cmd)
	if err != nil {
		return resp, fmt.Errorf("discover: %s: %w", step, err)
	}
	return resp, nil
}

// sendTimed is send for a plain command whose round trip measures the card's latency.
func (r *run) sendTimed(ctx context.Context, step string, cmd apdu.Command) (apdu.Response, error) {
	start := time.Now()
	resp, err := r.send(ctx, step, cmd)
	if err == nil {
		r.plain = append(r.plain, time.Since(start))
	}
	return resp, err
}

func (r *run) add(a Answer) { r.doc.Answers = append(r.doc.Answers, a) }

func status(found, def string) string {
	if found == def {
		return Confirmed
	}
	return Contradicted
}

// apps selects every application, and the JPKI AP once more with P2=00 (FCI).
func (r *run) apps(ctx context.Context) error {
	for _, app := range myna.Apps() {
		resp, err := r.sendTimed(ctx, "select "+app.String(), apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: app.AID()})
		if err != nil {
			return err
		}
		r.doc.Apps[app.String()] = resp.SW == apdu.SWSuccess
	}
	for _, app := range []myna.App{myna.CardSurfaceAP, myna.TextAP, myna.JPKIAP} {
		if !r.doc.Apps[app.String()] {
			return fmt.Errorf("discover: %w (%s: no)", ErrNotMyNumberCard, app)
		}
	}
	resp, err := r.send(ctx, "select JPKI AP with P2=00", apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x00, Data: myna.JPKIAP.AID(), Ne: 256})
	if err != nil {
		return err
	}
	a := Answer{Field: "fci_on_p2_00", Question: "what SELECT by DF name with P2=00 returns", Default: "empty", How: "SELECT of the JPKI AP with P2=00, Le=00"}
	switch {
	case resp.SW == apdu.SWSuccess && len(resp.Data) == 0:
		a.Status, a.Found = Confirmed, "empty"
		r.doc.Behaviour.FCIOnP2_00 = ptr("empty")
	case resp.SW == apdu.SWSuccess:
		a.Status, a.Found = Contradicted, fmt.Sprintf("an FCI of %d bytes", len(resp.Data))
	default:
		a.Status, a.Found = Contradicted, hexSW(resp.SW)
	}
	r.add(a)
	return nil
}

// tries reads every key's tries left with an empty VERIFY, keeping the raw status word of a
// blocked key.
func (r *run) tries(ctx context.Context) error {
	for _, app := range myna.Applications() {
		refs := app.KeyRefs()
		if len(refs) == 0 {
			continue
		}
		if err := r.s.SelectApp(ctx, app.App); err != nil {
			return fmt.Errorf("discover: %w", err)
		}
		for _, k := range refs {
			ref := myna.EFRef{App: app.App, ID: k.ID}
			resp, err := r.sendTimed(ctx, "tries of "+ref.String(), myna.TriesQuery(k.ID))
			if err != nil {
				return err
			}
			n, ok := resp.SW.Retries()
			switch {
			case ok && n > 0:
				r.doc.Tries[ref.String()] = n
			case ok, resp.SW == apdu.SWReferenceDataBlocked, resp.SW == apdu.SWAuthMethodBlocked:
				r.doc.Tries[ref.String()] = 0
				if r.blockedSW == 0 {
					r.blockedSW = resp.SW
				}
			default:
				return fmt.Errorf("discover: tries of %s: card answered %s", ref, resp.SW)
			}
		}
	}
	a := Answer{Field: "blocked_status_query", Question: "what an empty VERIFY on a blocked key answers", Default: "63C0"}
	switch r.blockedSW {
	case 0:
		a.Status, a.How = Unknown, "no key was found blocked, and blocking one would cost every try (never done, even with --allow-spend)"
	default:
		found := hexSW(r.blockedSW)
		if r.blockedSW&0xFFF0 == 0x63C0 {
			found = "63C0"
		}
		a.Found, a.Status, a.How = found, status(found, "63C0"), "empty VERIFY on a key found blocked (no try spent)"
		r.doc.Behaviour.BlockedStatusQuery = ptr(found)
		if found == "6984" {
			a.Note = OpenSCNote
		}
	}
	r.add(a)
	return nil
}

// PlainLatencySamples is the fewest plain commands whose round trips give the latency: apps and
// tries send more (every application's SELECT and every key's empty VERIFY); when they do not,
// latency tops them up with tries queries of check code B, which move no counter.
const PlainLatencySamples = 9

// CardLatencyBound is CARD.md §6's bound on a plain command on a physical card (FWI 10–13): the
// timing area's, and the default the discovered latency is compared with.
const CardLatencyBound = time.Second

// latency records the median round trip of the plain commands apps and tries sent (SELECT of an
// application by AID, empty VERIFY), in whole milliseconds and at least 1, as plain_latency_ms.
// Nothing it sends can move a counter.
func (r *run) latency(ctx context.Context) error {
	if len(r.plain) < PlainLatencySamples {
		if err := r.s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
			return fmt.Errorf("discover: %w", err)
		}
		for len(r.plain) < PlainLatencySamples {
			if _, err := r.sendTimed(ctx, "tries of check code B", myna.TriesQuery(myna.SurfaceCheckCodeBRef)); err != nil {
				return err
			}
		}
	}
	med := median(r.plain)
	ms := max(int((med+time.Millisecond/2)/time.Millisecond), 1)
	a := Answer{Field: "plain_latency_ms", Question: "how long the card takes to answer a plain command", Default: fmt.Sprintf("under %v", CardLatencyBound),
		Found: fmt.Sprintf("%d ms", ms), How: fmt.Sprintf("median round trip of %d SELECTs by AID and empty VERIFYs (no try spent; CARD.md §6 bound)", len(r.plain))}
	switch {
	case med < CardLatencyBound && ms <= myna.MaxPlainLatencyMS:
		a.Status = Confirmed
		r.doc.Behaviour.PlainLatencyMS = ptr(ms)
	case ms <= myna.MaxPlainLatencyMS:
		a.Status = Contradicted
		r.doc.Behaviour.PlainLatencyMS = ptr(ms)
	default:
		a.Status = Contradicted
	}
	r.add(a)
	return nil
}

// reads tries one byte of every data EF without credentials, and reads the free transparent
// ones whole for their size and filler.
func (r *run) reads(ctx context.Context) error {
	for _, app := range myna.Applications() {
		for _, ef := range app.EFs {
			if !ef.Kind.IsData() {
				continue
			}
			ref := myna.EFRef{App: app.App, ID: ef.ID}
			if err := r.s.SelectApp(ctx, app.App); err != nil {
				return fmt.Errorf("discover: %w", err)
			}
			resp, err := r.send(ctx, "read "+ref.String(), readOne(ef))
			if err != nil {
				return err
			}
			switch resp.SW {
			case apdu.SWSuccess:
				if ef.Kind == myna.EFTransparent {
					if err := r.measure(ctx, ref); err != nil {
						return err
					}
				}
			case apdu.SWFileNotFound:
			default:
				r.protectedSW[resp.SW] = true
				r.protected = append(r.protected, ref)
			}
		}
	}
	a := Answer{Field: "protected_read", Question: "what READ BINARY of a protected EF answers without the credential", Default: "6982", How: "one-byte READ BINARY of every EF"}
	switch len(r.protectedSW) {
	case 0:
		a.Status = Unknown
	case 1:
		for sw := range r.protectedSW {
			a.Found = hexSW(sw)
		}
		a.Status = status(a.Found, "6982")
		if a.Found == "6982" {
			r.doc.Behaviour.ProtectedRead = ptr(a.Found)
		}
	default:
		a.Status, a.Found = Contradicted, "several status words"
	}
	r.add(a)
	return nil
}

func readOne(ef myna.EF) apdu.Command {
	if ef.Kind == myna.EFRecord {
		p2, _ := ef.ID.ReadRecordP2()
		return apdu.Command{INS: 0xB2, P1: 1, P2: p2, Ne: 256}
	}
	p1, _ := ef.ID.ReadBinaryP1()
	return apdu.Command{INS: 0xB0, P1: p1, Ne: 1}
}

// measure reads a transparent EF of the selected application whole: its size, and its
// filler after the outer TLV. Nothing of its content is kept.
func (r *run) measure(ctx context.Context, ref myna.EFRef) error {
	data, err := r.s.ReadEF(ctx, ref.ID)
	if err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	r.doc.EFSizes[ref.String()] = len(data)
	if b, ok := fillerOf(ref, data); ok {
		r.fillers[b] = true
	}
	return nil
}

// fillerOf returns the byte that pads data after its outer TLV, if the file is one TLV
// followed by a uniform filler.
func fillerOf(ref myna.EFRef, data []byte) (byte, bool) {
	if ref.App == myna.JPKIAP && (ref.ID == myna.JPKITokenInfo || ref.ID == myna.JPKICertPresence) || apdu.IsFiller(data) {
		return 0, false
	}
	_, rest, err := apdu.ParseTLV(data)
	if err != nil || len(rest) == 0 || !apdu.IsFiller(rest) {
		return 0, false
	}
	for _, c := range rest {
		if c != rest[0] {
			return 0, false
		}
	}
	return rest[0], true
}

// jpkiAuthCert selects the JPKI AP and the authentication certificate (a public EF).
func (r *run) jpkiAuthCert(ctx context.Context) error {
	if err := r.s.SelectApp(ctx, myna.JPKIAP); err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	if err := r.s.SelectEF(ctx, myna.JPKIAuthCert); err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	return nil
}

// extended sends one extended READ BINARY of the JPKI authentication certificate.
func (r *run) extended(ctx context.Context) error {
	if err := r.jpkiAuthCert(ctx); err != nil {
		return err
	}
	resp, err := r.send(ctx, "extended READ BINARY", apdu.Command{INS: 0xB0, Ne: apdu.MaxExtendedNe, Extended: true})
	if err != nil {
		return err
	}
	a := Answer{Field: "extended_length", Question: "whether the reader and card take an extended-length READ BINARY", Default: "true",
		How: "extended READ BINARY of the JPKI authentication certificate"}
	switch {
	case resp.SW == apdu.SWSuccess && len(resp.Data) > 256:
		a.Found, a.Status = "true", Confirmed
		r.doc.Behaviour.ExtendedLength = ptr(true)
	case resp.SW == apdu.SWWrongLength:
		a.Found, a.Status = "false", Contradicted
		r.doc.Behaviour.ExtendedLength = ptr(false)
	default:
		a.Status, a.Found = Unknown, fmt.Sprintf("%s with %d bytes", hexSW(resp.SW), len(resp.Data))
	}
	r.add(a)
	return nil
}

// beyondEnd reads at and past the end of the JPKI authentication certificate.
func (r *run) beyondEnd(ctx context.Context) error {
	a := Answer{Field: "offset_beyond_end", Question: "what READ BINARY at and past the end of an EF answers", Default: "6B00",
		How: "READ BINARY of the JPKI authentication certificate at its size and one past it"}
	size, ok := r.doc.EFSizes[myna.EFRef{App: myna.JPKIAP, ID: myna.JPKIAuthCert}.String()]
	if !ok || size+1 > 0x7FFF {
		a.Status = Unknown
		r.add(a)
		return nil
	}
	if err := r.jpkiAuthCert(ctx); err != nil {
		return err
	}
	var sws []apdu.StatusWord
	for _, off := range []int{size, size + 1} {
		resp, err := r.send(ctx, "READ BINARY past the end", apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: 1})
		if err != nil {
			return err
		}
		sws = append(sws, resp.SW)
	}
	a.Found = hexSW(sws[0])
	if sws[1] != sws[0] {
		a.Found += " at the end, " + hexSW(sws[1]) + " past it"
	}
	a.Status = status(a.Found, "6B00")
	if sws[0] == sws[1] && (sws[0] == apdu.SWWrongP1P2 || sws[0] == apdu.SWEndOfFile) {
		r.doc.Behaviour.OffsetBeyondEnd = ptr(hexSW(sws[0]))
	}
	r.add(a)
	return nil
}

// shortLe finds the largest short Le whose answer arrives intact.
func (r *run) shortLe(ctx context.Context) error {
	size := r.doc.EFSizes[myna.EFRef{App: myna.JPKIAP, ID: myna.JPKIAuthCert}.String()]
	if err := r.jpkiAuthCert(ctx); err != nil {
		return err
	}
	for _, n := range []int{256, 255, 254, 252, 248, 240, 224, 192, 128, 64, 32, 16, 8, 4, 2, 1} {
		if n > size {
			continue
		}
		resp, err := r.send(ctx, fmt.Sprintf("READ BINARY with Le %d", n), apdu.Command{INS: 0xB0, Ne: n})
		if err != nil {
			return err
		}
		if resp.SW == apdu.SWSuccess && len(resp.Data) == n {
			r.doc.MaxShortLe = n
			break
		}
	}
	return nil
}

// median is the median of ds (the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ptr[T any](v T) *T { return &v }

func hexSW(sw apdu.StatusWord) string { return fmt.Sprintf("%04X", uint16(sw)) }
