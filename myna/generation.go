package myna

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// ProvisionalNotice is what every mention of a provisional generation says: its AIDs and
// layout are taimen's inventions.
const ProvisionalNotice = "provisional: AIDs and layout invented, to be replaced by the published specification"

// Generation is what a profile declares about the card generation it models, the facts a
// reader must not hard-code: the card key's signature algorithm, the date form printed on the
// face, which applications exist and whether sex is printed. The zero value is today's card
// (RSA-2048, all applications, sex printed, the person's date form).
type Generation struct {
	// Name is the generation's name, e.g. "nextgen"; "" is today's card.
	Name string
	// Provisional marks a generation whose AIDs and layout are invented (ProvisionalNotice).
	Provisional bool
	// CardKeyAlgorithm is the algorithm of the card key (80 2A, the authenticity challenge).
	CardKeyAlgorithm SignatureAlgorithm
	// Applications lists the applications that answer SELECT; nil is every one of the form.
	Applications []App
	// SexOnChipOnly says the face does not print the holder's sex; the chip still holds it.
	SexOnChipOnly bool

	cardKey crypto.Signer // generation.card_key, when the algorithm is not RSA
}

// IsToday reports whether g is today's card (the zero value).
func (g Generation) IsToday() bool {
	return g.Name == "" && !g.Provisional && g.CardKeyAlgorithm.IsRSA() && g.Applications == nil && !g.SexOnChipOnly
}

// Has reports whether the generation has application a; a nil list has every application.
func (g Generation) Has(a App) bool {
	return g.Applications == nil || slices.Contains(g.Applications, a)
}

// Label returns the generation for `taimen status` and reports: "current" for today's card,
// else the name, with ProvisionalNotice when provisional.
func (g Generation) Label() string {
	if g.IsToday() {
		return "current"
	}
	name := g.Name
	if name == "" {
		name = "unnamed"
	}
	if g.Provisional {
		return name + " (" + ProvisionalNotice + ")"
	}
	return name
}

// String returns Label and the card key algorithm, never the key: fmt prints a Generation
// (and %+v of it) through this.
func (g Generation) String() string {
	return g.Label() + ", card key " + g.CardKeyAlgorithm.String()
}

// CardSigner returns the card key (role "card") as a signer of the generation's algorithm: the
// RSA key of the key file for today's card, generation.card_key's for another algorithm.
func (p *Profile) CardSigner() (crypto.Signer, bool) {
	if p.Generation.cardKey != nil {
		return p.Generation.cardKey, true
	}
	k, ok := p.Key(RoleCard)
	if !ok {
		return nil, false
	}
	return k, true
}

// generationFile is profile.json's optional "generation" object.
type generationFile struct {
	Name             *string  `json:"name"`
	Provisional      *bool    `json:"provisional"`
	CardKeyAlgorithm *string  `json:"card_key_algorithm"`
	CardKey          *string  `json:"card_key"`
	FaceDateForm     *string  `json:"face_date_form"`
	Applications     []string `json:"applications"`
	SexOnFace        *bool    `json:"sex_on_face"`
}

// generation reads the "generation" object: absent is today's card.
func (v *validator) generation(p *Profile, f *generationFile, dir string) {
	if f == nil {
		return
	}
	g := &p.Generation
	if f.Name != nil {
		if !profileIDPattern.MatchString(*f.Name) {
			v.fail("generation.name", "must be 1-64 characters of a-z, 0-9 and '-'")
		} else {
			g.Name = *f.Name
		}
	}
	if f.Provisional != nil {
		g.Provisional = *f.Provisional
	}
	if f.CardKeyAlgorithm != nil {
		a, err := ParseSignatureAlgorithm(*f.CardKeyAlgorithm)
		if err != nil {
			v.failErr("generation.card_key_algorithm", err)
			return
		}
		g.CardKeyAlgorithm = a
	}
	if f.FaceDateForm != nil {
		df, err := ParseDateForm(*f.FaceDateForm)
		switch {
		case err != nil:
			v.fail("generation.face_date_form", `must be "era" or "western"`)
		case df != p.Person.DateForm:
			// check code B is built from the face's form: the two must agree.
			v.fail("generation.face_date_form", "is %q but person.date_form is %q; the face prints one form", df, p.Person.DateForm)
		}
	}
	if f.Applications != nil {
		if len(f.Applications) == 0 {
			v.fail("generation.applications", "must list at least one application")
		}
		for i, name := range f.Applications {
			a, err := ParseApp(name)
			switch {
			case err != nil:
				v.fail(fmt.Sprintf("generation.applications[%d]", i), "unknown application; want jpki, text, surface, juki or common")
			case a == GPISD:
				v.fail(fmt.Sprintf("generation.applications[%d]", i), "the issuer security domain is not an application a profile chooses")
			case a == LicenceAP:
				v.fail(fmt.Sprintf("generation.applications[%d]", i), "the driving-licence application comes with the profile's licence section, not with the generation")
			case slices.Contains(g.Applications, a):
				v.fail(fmt.Sprintf("generation.applications[%d]", i), "%s appears twice", a)
			default:
				g.Applications = append(g.Applications, a)
			}
		}
	}
	if f.SexOnFace != nil {
		g.SexOnChipOnly = !*f.SexOnFace
	}
	v.generationKey(g, f.CardKey, dir)
}

// generationKey loads generation.card_key, which a non-RSA card key algorithm requires (the
// RSA card key stays in the key file's "card" role).
func (v *validator) generationKey(g *Generation, rel *string, dir string) {
	const field = "generation.card_key"
	if g.CardKeyAlgorithm.IsRSA() {
		if rel != nil {
			v.fail(field, "only for a card_key_algorithm other than %q (the RSA card key is the key file's %q role)", SigRSA2048SHA256, RoleCard)
		}
		return
	}
	if rel == nil {
		v.fail(field, "missing; card_key_algorithm %q needs the file of its %s card key", g.CardKeyAlgorithm, g.CardKeyAlgorithm.KeyType())
		return
	}
	path := v.resolve(field, *rel, dir)
	if path == "" {
		return
	}
	data, err := v.read(path)
	if errors.Is(err, fs.ErrNotExist) {
		v.failErr(field, fmt.Errorf("%s does not exist (the key files are generated by vectors/gen): %w", path, fs.ErrNotExist))
		return
	}
	if err != nil {
		v.failErr(field, err)
		return
	}
	k, err := ParseCardKey(data, g.CardKeyAlgorithm)
	if err != nil {
		v.failErr(field, fmt.Errorf("%s: %w", path, err))
		return
	}
	g.cardKey = k
}

// ParseCardKey reads a card key file of algorithm alg: one unencrypted PKCS#8 "PRIVATE KEY"
// block with the role line "Role: card" before it (the format of EncodeKeys; blocks of other
// roles are skipped). A key of another type is an error naming both types.
func ParseCardKey(data []byte, alg SignatureAlgorithm) (crypto.Signer, error) {
	var found crypto.Signer
	rest := data
	for n := 1; ; n++ {
		var preamble []byte
		if i := strings.Index(string(rest), "-----BEGIN "); i >= 0 {
			preamble = rest[:i]
		}
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "PRIVATE KEY" {
			if strings.HasSuffix(b.Type, "PRIVATE KEY") {
				return nil, fmt.Errorf("PEM block %d is %q; want unencrypted PKCS#8 \"PRIVATE KEY\"", n, b.Type)
			}
			continue
		}
		if roleBefore(preamble) != RoleCard && b.Headers[pemRoleHeader] != RoleCard {
			continue // a key file of several roles: only the card key counts
		}
		if found != nil {
			return nil, fmt.Errorf("PEM block %d: role %q appears twice", n, RoleCard)
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: not a PKCS#8 private key", n)
		}
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			found = k
		case *rsa.PrivateKey:
			found = k
		default:
			return nil, fmt.Errorf("PEM block %d: a %T, neither RSA nor ECDSA", n, k)
		}
		if err := alg.CheckPublicKey(found.Public()); err != nil {
			return nil, fmt.Errorf("the %q key %w", RoleCard, err)
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no %q key (a PKCS#8 PEM block after the line %q)", RoleCard, PEMRoleLine+RoleCard)
	}
	return found, nil
}

// EncodeCardKey writes a card key as ParseCardKey reads it.
func EncodeCardKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("myna: card key: %w", err)
	}
	return append([]byte(PEMRoleLine+RoleCard+"\n"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...), nil
}
