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
	// DataSignatureAlgorithm is the algorithm of the card-surface application's CV certificate
	// (EF 0004) and of the data signatures it certifies (the card face's DF28, the age record's
	// DF13, the number image's DF43); the zero value is today's RSA-2048.
	DataSignatureAlgorithm SignatureAlgorithm

	cardKey  crypto.Signer            // generation.card_key, when the algorithm is not RSA
	dataKeys map[string]crypto.Signer // generation.data_signature_keys, when not RSA
}

// DataSignatureRoles are the roles of the generation.data_signature_keys file: the test CA
// that signs the card-surface application's CV certificate and the issuer key it certifies,
// which signs that application's data.
func DataSignatureRoles() []string {
	return []string{RoleCVCAKenkaku, RoleCVIssuerKenkaku}
}

// IsToday reports whether g is today's card (the zero value).
func (g Generation) IsToday() bool {
	return g.Name == "" && !g.Provisional && g.CardKeyAlgorithm.IsRSA() && g.Applications == nil && !g.SexOnChipOnly &&
		g.DataSignatureAlgorithm.IsRSA()
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

// String returns Label and the card key algorithm (and a non-RSA data signature algorithm),
// never a key: fmt prints a Generation (and %+v of it) through this.
func (g Generation) String() string {
	s := g.Label() + ", card key " + g.CardKeyAlgorithm.String()
	if !g.DataSignatureAlgorithm.IsRSA() {
		s += ", data signatures " + g.DataSignatureAlgorithm.String()
	}
	return s
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

// SurfaceSigners returns the card-surface application's CV certificate CA (role
// cv-ca-kenkaku) and issuer key (cv-issuer-kenkaku) in the generation's data signature
// algorithm: the RSA keys of the set's key file today, generation.data_signature_keys' for
// another algorithm.
func (p *Profile) SurfaceSigners() (ca, issuer crypto.Signer, ok bool) {
	if k := p.Generation.dataKeys; k != nil {
		return k[RoleCVCAKenkaku], k[RoleCVIssuerKenkaku], true
	}
	c, ok1 := p.Key(RoleCVCAKenkaku)
	i, ok2 := p.Key(RoleCVIssuerKenkaku)
	if !ok1 || !ok2 {
		return nil, nil, false
	}
	return c, i, true
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

	DataSignatureAlgorithm *string `json:"data_signature_algorithm"`
	DataSignatureKeys      *string `json:"data_signature_keys"`
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
	if f.DataSignatureAlgorithm != nil {
		a, err := ParseSignatureAlgorithm(*f.DataSignatureAlgorithm)
		if err != nil {
			v.failErr("generation.data_signature_algorithm", err)
			return
		}
		g.DataSignatureAlgorithm = a
	}
	v.dataSignatureKeys(g, f.DataSignatureKeys, dir)
}

// dataSignatureKeys loads generation.data_signature_keys, which a non-RSA data signature
// algorithm requires (the RSA keys stay in the set's key file).
func (v *validator) dataSignatureKeys(g *Generation, rel *string, dir string) {
	const field = "generation.data_signature_keys"
	alg := g.DataSignatureAlgorithm
	if alg.IsRSA() {
		if rel != nil {
			v.fail(field, "only for a data_signature_algorithm other than %q (the RSA keys are the set key file's %q and %q roles)", SigRSA2048SHA256, RoleCVCAKenkaku, RoleCVIssuerKenkaku)
		}
		return
	}
	if rel == nil {
		v.fail(field, "missing; data_signature_algorithm %q needs the file of its %s CA and issuer keys (roles %q and %q)", alg, alg.KeyType(), RoleCVCAKenkaku, RoleCVIssuerKenkaku)
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
	keys, err := ParseAlgorithmKeys(data, alg, DataSignatureRoles()...)
	if err != nil {
		v.failErr(field, fmt.Errorf("%s: %w", path, err))
		return
	}
	g.dataKeys = keys
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
	keys, err := ParseAlgorithmKeys(data, alg, RoleCard)
	if err != nil {
		return nil, err
	}
	return keys[RoleCard], nil
}

// ParseAlgorithmKeys reads the keys of roles from a key file of algorithm alg: for each role
// one unencrypted PKCS#8 "PRIVATE KEY" block with the role line before it (the format of
// EncodeKeys and EncodeAlgorithmKeys; blocks of other roles are skipped). A missing or repeated
// role is an error, so is a key of another type, naming both types.
func ParseAlgorithmKeys(data []byte, alg SignatureAlgorithm, roles ...string) (map[string]crypto.Signer, error) {
	found := make(map[string]crypto.Signer, len(roles))
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
		role := roleBefore(preamble)
		if role == "" {
			role = b.Headers[pemRoleHeader]
		}
		if !slices.Contains(roles, role) {
			continue // a key file of several roles: only the wanted ones count
		}
		if found[role] != nil {
			return nil, fmt.Errorf("PEM block %d: role %q appears twice", n, role)
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: not a PKCS#8 private key", n)
		}
		var s crypto.Signer
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			s = k
		case *rsa.PrivateKey:
			s = k
		default:
			return nil, fmt.Errorf("PEM block %d: a %T, neither RSA nor ECDSA", n, k)
		}
		if err := alg.CheckPublicKey(s.Public()); err != nil {
			return nil, fmt.Errorf("the %q key %w", role, err)
		}
		found[role] = s
	}
	for _, r := range roles {
		if found[r] == nil {
			return nil, fmt.Errorf("no %q key (a PKCS#8 PEM block after the line %q)", r, PEMRoleLine+r)
		}
	}
	return found, nil
}

// EncodeAlgorithmKeys writes keys of any algorithm, in the order of roles, as ParseAlgorithmKeys
// reads them.
func EncodeAlgorithmKeys(keys map[string]crypto.Signer, roles []string) ([]byte, error) {
	var out []byte
	for _, r := range roles {
		k := keys[r]
		if k == nil {
			return nil, fmt.Errorf("myna: no key for role %q", r)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("myna: role %q: %w", r, err)
		}
		out = append(out, PEMRoleLine+r+"\n"...)
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	}
	return out, nil
}

// EncodeCardKey writes a card key as ParseCardKey reads it.
func EncodeCardKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("myna: card key: %w", err)
	}
	return append([]byte(PEMRoleLine+RoleCard+"\n"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...), nil
}
