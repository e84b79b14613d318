package reader

import (
	"fmt"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// Entry is one exchange as traces and logs show it: hex strings already redacted (unless
// Revealed), never raw bytes. It is JSON-serializable.
type Entry struct {
	Seq      int           `json:"seq"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`
	// Op names the command, e.g. "SELECT", "VERIFY", "READ BINARY", or "RESET" for a card reset.
	Op string `json:"op"`
	// Object is what the command addressed, e.g. "surface", "surface/0012", "DO 00F2"; "?" marks
	// what the redactor could not follow.
	Object string `json:"object,omitempty"`
	// Command is the command APDU in upper-case hex; masked data reads "[redacted N bytes]" with
	// the header, Lc and Le kept.
	Command string `json:"command,omitempty"`
	// Response is the response data in hex (without the status word), or "[redacted N bytes]".
	Response string `json:"response,omitempty"`
	// SW is the status word in hex, e.g. "9000"; empty when the transport failed.
	SW string `json:"sw,omitempty"`
	// Err is the transport error, if any.
	Err string `json:"error,omitempty"`
	// RedactedCommand and RedactedResponse give the reason data was masked.
	RedactedCommand  string `json:"redacted_command,omitempty"`
	RedactedResponse string `json:"redacted_response,omitempty"`
	// Revealed is true when redaction was turned off: the entry may hold secrets.
	Revealed bool `json:"revealed,omitempty"`
}

// Reasons given in Entry.RedactedCommand and Entry.RedactedResponse.
const (
	ReasonSecret        = "secret"                         // a check code, PIN or key
	ReasonPersonal      = "personal data"                  // a file or data object known to hold personal data
	ReasonMunicipality  = "names the issuing municipality" // the AP information and CV certificates (public to the card holder, personal in a report)
	ReasonNotPublic     = "not known to be public"         // anything not on the allow-list, or not followed
	ReasonMalformed     = "malformed command"              // the command could not be parsed
	unknownObjectMarker = "?"
)

// Redactor turns exchanges into Entries, masking secrets and personal data. It follows the
// application and EF selected on the basic channel (SELECT by AID, SELECT EF, SFI forms), so that
// it can reveal the data of files known to be public; whatever it cannot follow is masked. Not
// safe for concurrent use.
type Redactor struct {
	reveal  bool
	app     myna.App // 0 with appOK: MF level, no application selected
	appOK   bool
	ef      myna.FileID // 0 with efOK: no current EF
	efOK    bool
	pending *continuation // GET RESPONSE continues this command's response
}

type continuation struct {
	object string
	mask   string
}

// NewRedactor returns a redactor for a freshly reset card; reveal turns redaction off (only when
// the user asked for it).
func NewRedactor(reveal bool) *Redactor {
	r := &Redactor{reveal: reveal}
	r.Reset()
	return r
}

// Reset tells the redactor that the card was reset: no application is selected.
func (r *Redactor) Reset() {
	r.app, r.appOK, r.ef, r.efOK, r.pending = 0, true, 0, true, nil
}

func (r *Redactor) lost() {
	r.appOK, r.efOK, r.pending = false, false, nil
}

// Files whose content is known to be public (readable without a credential, and the same for
// every holder or naming no one). Everything else is masked.
var publicFiles = map[myna.EFRef]bool{
	{App: myna.JPKIAP, ID: myna.JPKISignCACert}:   true,
	{App: myna.JPKIAP, ID: myna.JPKIAuthCACert}:   true,
	{App: myna.JPKIAP, ID: myna.JPKITokenInfo}:    true,
	{App: myna.JPKIAP, ID: myna.JPKICertPresence}: true,
}

// Files readable without a credential that still name the holder's issuing
// municipality: the AP information (DF34, and the key IDs, which begin with
// the municipality code) and the CV certificates (the subject key ID, and the
// subject key, which is the municipality's; the signature lets anyone with the
// CA key test each of the ~1,700 codes, so masking the ID alone would not do).
// Masked like GET DATA 00F0.
var municipalFiles = map[myna.EFRef]bool{
	{App: myna.CardSurfaceAP, ID: myna.SurfaceBasicInfo}: true,
	{App: myna.CardSurfaceAP, ID: myna.SurfaceCVCert}:    true,
	{App: myna.TextAP, ID: myna.TextCVCert}:              true,
	{App: myna.TextAP, ID: myna.TextBasicInfo}:           true,
}

// Files known to hold personal data (only for the reason shown; they are masked like unknown ones).
var personalFiles = map[myna.EFRef]bool{
	{App: myna.TextAP, ID: myna.TextIndividualNumber}:      true,
	{App: myna.TextAP, ID: myna.TextBasicFour}:             true,
	{App: myna.TextAP, ID: myna.TextIntegrity}:             true,
	{App: myna.CardSurfaceAP, ID: myna.SurfaceAgeRecord}:   true,
	{App: myna.CardSurfaceAP, ID: myna.SurfaceFace}:        true,
	{App: myna.CardSurfaceAP, ID: myna.SurfaceNumberImage}: true,
	{App: myna.JPKIAP, ID: myna.JPKISignCert}:              true,
	{App: myna.JPKIAP, ID: myna.JPKIAuthCert}:              true,
	{App: myna.CommonAP, ID: myna.CommonCardInfo}:          true,
}

// GET DATA objects (MF level, CARD.md §2.5): public ones are shown, the card number (0045),
// municipality (00F0) and expiry (00F2) and any unknown tag are masked.
var (
	publicDataObjects   = map[uint16]bool{0x0042: true, 0x0066: true, 0x00F7: true, 0x00F8: true, 0x7F21: true, 0x5F51: true}
	personalDataObjects = map[uint16]bool{0x0045: true, 0x00F0: true, 0x00F2: true}
)

// verdict is the redactor's decision about one command.
type verdict struct {
	op, object string
	cmdMask    string                   // "" shows the command data
	rspMask    string                   // "" shows the response data
	update     func(sw apdu.StatusWord) // state change once the status word is known
}

// Redact returns the entry for one exchange (cmd, and rsp or err) and advances the redactor's
// view of the card. Start, Duration and Seq are left for the caller.
func (r *Redactor) Redact(cmd, rsp []byte, err error) Entry {
	c, perr := apdu.ParseCommand(cmd)
	v := r.classify(cmd, c, perr == nil)
	if perr != nil && len(cmd) > 5 {
		v.cmdMask = ReasonMalformed
	}
	e := Entry{Op: v.op, Object: v.object, Revealed: r.reveal}
	e.Command, e.RedactedCommand = r.formatCommand(cmd, c, perr == nil, v.cmdMask)
	if err != nil {
		e.Err = err.Error()
		r.lost() // the card may have been reset or removed
		return e
	}
	if len(rsp) < 2 {
		e.Response, e.RedactedResponse = r.mask(rsp, ReasonNotPublic)
		r.lost()
		return e
	}
	n := len(rsp) - 2
	sw := apdu.StatusWord(rsp[n])<<8 | apdu.StatusWord(rsp[n+1])
	e.SW = fmt.Sprintf("%04X", uint16(sw))
	e.Response, e.RedactedResponse = r.mask(rsp[:n], v.rspMask)
	r.pending = nil
	if _, more := sw.MoreData(); more {
		r.pending = &continuation{object: v.object, mask: v.rspMask}
	}
	if v.update != nil {
		v.update(sw)
	}
	return e
}

func (r *Redactor) mask(data []byte, reason string) (string, string) {
	if len(data) == 0 {
		return "", ""
	}
	if reason == "" || r.reveal {
		return HexUpper(data), ""
	}
	return redactedMarker(len(data)), reason
}

// redactedMarker stands for n masked bytes in a hex string.
func redactedMarker(n int) string {
	if n == 1 {
		return "[redacted 1 byte]"
	}
	return fmt.Sprintf("[redacted %d bytes]", n)
}

// formatCommand returns the command in hex with its data masked for reason (if not "").
func (r *Redactor) formatCommand(raw []byte, c apdu.Command, parsed bool, reason string) (string, string) {
	if reason == "" || r.reveal {
		return HexUpper(raw), ""
	}
	if !parsed {
		if len(raw) <= 4 {
			return HexUpper(raw), ""
		}
		return HexUpper(raw[:4]) + redactedMarker(len(raw)-4), reason
	}
	if len(c.Data) == 0 {
		return HexUpper(raw), ""
	}
	off := 5 // short Lc
	if c.Extended {
		off = 7
	}
	end := off + len(c.Data)
	return HexUpper(raw[:off]) + redactedMarker(len(c.Data)) + HexUpper(raw[end:]), reason
}

func succeeded(sw apdu.StatusWord) bool {
	return sw == apdu.SWSuccess || sw.SW1() == 0x61 || sw.SW1() == 0x62
}

func (r *Redactor) appName() string {
	switch {
	case !r.appOK:
		return unknownObjectMarker
	case r.app == 0:
		return "mf"
	}
	return r.app.String()
}

// fileObject names EF id of the current application ("surface/0002", "?/0002", "surface/?").
func (r *Redactor) fileObject(id myna.FileID, idOK bool) string {
	switch {
	case !idOK:
		return r.appName() + "/" + unknownObjectMarker
	case id == 0: // no current EF
		return r.appName()
	}
	return r.appName() + "/" + id.String()
}

// fileMask is the response mask for data read from EF id of the current application.
func (r *Redactor) fileMask(id myna.FileID, idOK bool) string {
	if !r.appOK || !idOK || r.app == 0 || id == 0 {
		return ReasonNotPublic
	}
	ref := myna.EFRef{App: r.app, ID: id}
	switch {
	case publicFiles[ref]:
		return ""
	case personalFiles[ref]:
		return ReasonPersonal
	case municipalFiles[ref]:
		return ReasonMunicipality
	}
	return ReasonNotPublic
}

// efBecomes returns an update that makes id the current EF when the command succeeded.
func (r *Redactor) efBecomes(id myna.FileID) func(apdu.StatusWord) {
	return func(sw apdu.StatusWord) {
		if succeeded(sw) {
			r.ef, r.efOK = id, true
		} else {
			r.efOK = false
		}
	}
}

func (r *Redactor) efLost(apdu.StatusWord) { r.efOK = false }

func (r *Redactor) allLost(apdu.StatusWord) { r.appOK, r.efOK = false, false }

// classify decides, from the command alone, what may be shown and how the card's state changes.
func (r *Redactor) classify(raw []byte, c apdu.Command, parsed bool) verdict {
	if len(raw) < 4 {
		return verdict{op: "MALFORMED", rspMask: ReasonNotPublic, update: r.allLost}
	}
	cla, ins, p1, p2 := raw[0], raw[1], raw[2], raw[3]
	proprietary := cla&0x80 != 0
	basicChannel := cla&0x43 == 0 // channel 0, first interindustry or proprietary class
	sm := !proprietary && cla&0x0C != 0
	v := verdict{op: myna.InstructionName(cla, ins), cmdMask: ReasonNotPublic, rspMask: ReasonNotPublic}

	// Command data that carries a secret, whatever the class.
	switch ins {
	case 0x20, 0x21, 0x24, 0x2C, 0x32, 0xAE: // VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, CHANGE KEY, SET SESSION KEY
		v.cmdMask = ReasonSecret
	}
	if v.cmdMask == ReasonSecret {
		if id, ok := myna.SFIFromKeyRefP2(p2); ok {
			v.object = r.fileObject(id, true)
			v.update = r.efLost // the card may have made the key reference current
		} else if p2 == 0x80 || p2 == 0x00 {
			v.object = r.fileObject(r.ef, r.efOK)
		}
		if !basicChannel {
			v.update = nil
		}
		return v
	}

	if !basicChannel {
		// Other logical channels are not followed: show the command if harmless, mask all data.
		if !proprietary && (ins == 0xA4 || ins == 0xB0 || ins == 0xB2 || ins == 0xC0) {
			v.cmdMask = ""
		}
		v.object = unknownObjectMarker
		return v
	}

	if proprietary {
		switch ins {
		case 0x2A:
			return r.sign(v, p1, p2)
		case 0xA2:
			v.cmdMask, v.rspMask = "", ReasonNotPublic
			return v
		}
		v.update = r.allLost // unknown proprietary command: stop trusting the state
		return v
	}

	switch ins {
	case 0xA4:
		return r.selectFile(v, p1, c, parsed, sm)
	case 0xB0, 0xB1:
		v.cmdMask = ""
		if ins == 0xB1 {
			v.cmdMask = ReasonNotPublic // odd INS carries an offset DO; not followed
		}
		if id, ok := myna.SFIFromReadBinaryP1(p1); ok && ins == 0xB0 {
			v.object, v.rspMask, v.update = r.fileObject(id, true), r.fileMask(id, true), r.efBecomes(id)
		} else if ins == 0xB0 && p1&0x80 == 0 {
			v.object, v.rspMask = r.fileObject(r.ef, r.efOK), r.fileMask(r.ef, r.efOK)
		} else {
			v.object, v.update = r.fileObject(0, false), r.efLost
		}
		return v
	case 0xB2, 0xB3:
		v.cmdMask = ""
		if ins == 0xB3 {
			v.cmdMask = ReasonNotPublic
		}
		if sfi := p2 >> 3; sfi == 0 {
			v.object, v.rspMask = r.fileObject(r.ef, r.efOK), r.fileMask(r.ef, r.efOK)
		} else if id, ok := myna.FileIDForSFI(sfi); ok && sfi != 31 {
			v.object, v.rspMask, v.update = r.fileObject(id, true), r.fileMask(id, true), r.efBecomes(id)
		} else {
			v.object, v.update = r.fileObject(0, false), r.efLost
		}
		return v
	case 0xCA:
		tag := uint16(p1)<<8 | uint16(p2)
		v.cmdMask, v.object = "", fmt.Sprintf("DO %04X", tag)
		switch {
		case publicDataObjects[tag]:
			v.rspMask = ""
		case personalDataObjects[tag]:
			v.rspMask = ReasonPersonal
		}
		return v
	case 0xCB:
		return v
	case 0xC0:
		v.cmdMask = ""
		if r.pending != nil {
			v.object, v.rspMask = r.pending.object, r.pending.mask
		}
		return v
	case 0x84:
		v.cmdMask, v.rspMask = "", ""
		return v
	case 0x88:
		v.cmdMask, v.rspMask = "", ""
		if id, ok := myna.SFIFromKeyRefP2(p2); ok {
			v.object, v.update = r.fileObject(id, true), r.efLost
		}
		return v
	case 0x2A:
		return r.sign(v, p1, p2)
	}
	v.update = r.allLost // unknown command: it may have changed the selection
	return v
}

// sign handles 80 2A / 00 2A: the signature and a given digest are shown; a message the card
// hashes itself (P1 01, 03, 05) is masked.
func (r *Redactor) sign(v verdict, p1, p2 byte) verdict {
	v.rspMask = ""
	if p1 == 0x00 || p1 == 0x02 || p1 == 0x04 {
		v.cmdMask = ""
	}
	if id, ok := myna.SFIFromKeyRefP2(p2); ok {
		v.object, v.update = r.fileObject(id, true), r.efLost
	} else if p2 == 0x80 {
		v.object = r.fileObject(r.ef, r.efOK)
	}
	return v
}

// selectFile handles SELECT: by AID (P1=04) and by FID (P1=00/02, two bytes) are followed; any
// other form, or secure messaging, makes the state unknown. FCI in the answer is masked.
func (r *Redactor) selectFile(v verdict, p1 byte, c apdu.Command, parsed, sm bool) verdict {
	v.cmdMask = ""
	if !parsed || sm {
		v.object, v.update = unknownObjectMarker, r.allLost
		return v
	}
	switch {
	case p1 == 0x04 && len(c.Data) > 0:
		app, known := myna.AppByAID(c.Data)
		if known {
			v.object = app.String()
		} else {
			v.object = "AID " + HexUpper(c.Data)
		}
		v.update = func(sw apdu.StatusWord) {
			if succeeded(sw) && known {
				r.app, r.appOK, r.ef, r.efOK = app, true, 0, true
			} else {
				r.appOK, r.efOK = false, false
			}
		}
	case (p1 == 0x02 || p1 == 0x00) && len(c.Data) == 2:
		id := myna.FileID(uint16(c.Data[0])<<8 | uint16(c.Data[1]))
		if id == 0x3F00 {
			v.object = "mf"
			v.update = func(sw apdu.StatusWord) {
				if succeeded(sw) {
					r.app, r.appOK, r.ef, r.efOK = 0, true, 0, true
				} else {
					r.appOK, r.efOK = false, false
				}
			}
			break
		}
		v.object, v.update = r.fileObject(id, true), r.efBecomes(id)
	default:
		v.object, v.update = unknownObjectMarker, r.allLost
	}
	return v
}
