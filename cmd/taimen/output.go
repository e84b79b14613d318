package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

const masked = "[masked; --reveal shows it]"

// readOutput is the stable JSON form of a read. Personal values are present
// only with --reveal; images are described by format and size, never inlined.
type readOutput struct {
	Schema       string               `json:"schema"`
	Flow         string               `json:"flow"`
	Target       reader.Target        `json:"target"`
	Authentic    bool                 `json:"authentic"`
	Authenticity *reader.Authenticity `json:"authenticity,omitempty"`
	Fields       []field              `json:"fields"`
	TriesBefore  *int                 `json:"tries_before,omitempty"`
	APDUs        int                  `json:"apdus"`
	Revealed     bool                 `json:"revealed"`
	// Outcome is the read's outcome as the history records it: "ok", "not-authentic",
	// "wrong-code", "blocked", "refused", "card-removed", "jpki-only-token",
	// "not-my-number-card" or "error".
	Outcome string `json:"outcome"`
	// Error says why the read failed ("" when it did not).
	Error string `json:"error,omitempty"`
}

// field is one datum read from the card.
type field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`          // masked unless revealed; images: "PNG, 341 bytes"
	Signed bool   `json:"signed"`         // covered by a verified signature
	Note   string `json:"note,omitempty"` // e.g. "not covered by the signature"
}

func image(kind string, b []byte) string {
	if len(b) == 0 {
		return "—"
	}
	return fmt.Sprintf("%s, %d bytes", kind, len(b))
}

func show(v string, reveal bool) string {
	if reveal {
		return v
	}
	return masked
}

func eraDate(yyyymmdd string) string {
	d, err := parseYMD(yyyymmdd)
	if err != nil {
		return yyyymmdd
	}
	e, err := myna.ToEra(d)
	if err != nil {
		return yyyymmdd
	}
	return fmt.Sprintf("%s-%s-%s (%s)", yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:], e)
}

func readJSON(flow string, target reader.Target, res any, reveal bool) readOutput {
	out := readOutput{Schema: "taimen.read/v1", Flow: flow, Target: target, Revealed: reveal}
	const unsigned = "not covered by the signature: a copy can change it"
	switch r := res.(type) {
	case *reader.Face:
		signed := r.Authenticity.Signature.OK
		out.Authentic, out.Authenticity, out.APDUs = r.Authenticity.Authentic(), &r.Authenticity, r.APDUs
		n := r.TriesBefore
		out.TriesBefore = &n
		out.Fields = []field{
			{Name: "face photo", Value: image("JPEG 2000", r.Signed.PhotoJP2), Signed: signed},
			{Name: "name", Value: image("PNG", r.Signed.NamePNG), Signed: signed},
			{Name: "address", Value: image("PNG", r.Signed.AddressPNG), Signed: signed},
			{Name: "birth date", Value: show(eraDate(r.Signed.BirthDate), reveal), Signed: signed},
			{Name: "sex", Value: show(r.Signed.Sex.String(), reveal), Signed: signed},
			{Name: "expiry", Value: show(r.Unsigned.Expiry, reveal), Note: unsigned},
			{Name: "security code", Value: image("PNG", r.Unsigned.SecurityCodePNG), Note: unsigned},
		}
		if r.NumberPNG != nil {
			out.Fields = append(out.Fields, field{Name: "individual number", Value: image("PNG", r.NumberPNG), Signed: signed})
		}
	case *reader.Text:
		signed := r.Authenticity.Signature.OK
		out.Authentic, out.Authenticity, out.APDUs = r.Authenticity.Authentic(), &r.Authenticity, r.APDUs
		n := r.TriesBefore
		out.TriesBefore = &n
		if r.HaveNumber {
			out.Fields = append(out.Fields, field{Name: "individual number", Value: show(r.Number, reveal), Signed: signed})
		}
		if r.HaveFour {
			out.Fields = append(out.Fields,
				field{Name: "name", Value: show(r.Four.Name, reveal), Signed: signed},
				field{Name: "address", Value: show(r.Four.Address, reveal), Signed: signed},
				field{Name: "birth date", Value: show(eraDate(r.Four.BirthDate), reveal), Signed: signed},
				field{Name: "sex", Value: show(myna.Sex(r.Four.Sex-'0').String(), reveal), Signed: signed})
		}
		if r.SecureMsg {
			out.Fields = append(out.Fields, field{Name: "channel", Value: "secure messaging (AES-128-CBC, no MAC)"})
		}
	case *reader.Licence:
		out.Authentic, out.APDUs = r.SignatureOK, r.APDUs
		n := r.TriesBefore
		out.TriesBefore = &n
		out.Fields = licenceFields(r, reveal)
	case *reader.JPKI:
		out.Authentic, out.APDUs = r.ChainOK, r.APDUs
		out.Fields = []field{{Name: "token", Value: r.Token}}
		for _, c := range []struct {
			name string
			der  []byte
		}{{"authentication certificate", derOf(r.AuthCert)}, {"authentication CA", derOf(r.AuthCACert)}, {"signing certificate", derOf(r.SignCert)}, {"signing CA", derOf(r.SignCACert)}} {
			if c.der != nil {
				out.Fields = append(out.Fields, field{Name: c.name, Value: image("X.509 DER", c.der), Signed: r.ChainOK})
			}
		}
		for _, s := range r.Signed {
			v := "verified with the certificate"
			if !s.Verified {
				v = "DOES NOT VERIFY"
			}
			out.Fields = append(out.Fields, field{Name: s.Key + " signature", Value: v, Signed: s.Verified})
		}
	}
	return out
}

func printRead(w io.Writer, flow string, target reader.Target, res any, reveal bool) {
	o := readJSON(flow, target, res, reveal)
	fmt.Fprintf(w, "taimen read %s — %s %s\n\n", flow, target.Kind, target.Reader)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, f := range o.Fields {
		mark := "  "
		if f.Signed {
			mark = "✓ "
		}
		note := ""
		if f.Note != "" {
			note = "  ⚠ " + f.Note
		}
		fmt.Fprintf(tw, "  %s%s\t%s%s\n", mark, f.Name, f.Value, note)
	}
	tw.Flush()
	if a := o.Authenticity; a != nil {
		fmt.Fprintln(w, "\nauthenticity")
		anchor := "—"
		if a.Anchor.OK {
			anchor = a.AnchorName
			if !a.Production {
				anchor += " — a TEST CA: this is not a genuine card"
			}
		}
		line := func(name string, c reader.Claim, extra string) {
			state := "OK  "
			if !c.OK {
				state, extra = "FAIL", c.Reason
			}
			fmt.Fprintf(w, "  %-12s %s %s\n", name, state, extra)
		}
		line("certificate", a.Anchor, anchor)
		line("signature", a.Signature, "")
		line("chip", a.Liveness, "signed a fresh challenge with the key in the signed data")
	}
	if o.TriesBefore != nil {
		fmt.Fprintf(w, "\ntries left before the check: %d\n", *o.TriesBefore)
	}
	verdict := "AUTHENTIC"
	if !o.Authentic {
		verdict = "NOT AUTHENTIC"
	} else if o.Authenticity != nil && !o.Authenticity.Production {
		verdict = "AUTHENTIC under a test CA (emulated card)"
	}
	fmt.Fprintf(w, "verdict: %s   (%d APDUs)\n", verdict, o.APDUs)
	if !reveal {
		fmt.Fprintln(w, strings.TrimSpace("personal data masked; --reveal shows it, --out DIR saves the images"))
	}
}
