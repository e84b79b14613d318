package myna

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSignatureAlgorithms signs and verifies with each algorithm, and checks that a signature
// never verifies under the other algorithm, another key or after a flipped bit.
func TestSignatureAlgorithms(t *testing.T) {
	rk := testKeys()[RoleCard]
	ek, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg            SignatureAlgorithm
		key, other     crypto.Signer
		sigLen, dgstSz int
		inputPrefix    int // bytes SignInput puts before the digest
	}{
		{SigRSA2048SHA256, rk, ek, 256, 32, len(DigestInfoSHA256)},
		{SigECDSAP384SHA384, ek, rk, 96, 48, 0},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			d := tc.alg.Digest([]byte("challenge"))
			if len(d) != tc.dgstSz || len(tc.alg.SignInput(d)) != tc.inputPrefix+tc.dgstSz {
				t.Fatalf("digest %d bytes, input %d", len(d), len(tc.alg.SignInput(d)))
			}
			sig, err := tc.alg.SignDigest(tc.key, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != tc.sigLen || tc.alg.SignatureLen() != tc.sigLen {
				t.Fatalf("signature %d bytes, want %d", len(sig), tc.sigLen)
			}
			if err := tc.alg.VerifyDigest(tc.key.Public(), d, sig); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if a, err := AlgorithmOf(tc.key.Public()); err != nil || a != tc.alg {
				t.Errorf("AlgorithmOf = %v, %v", a, err)
			}
			bad := append([]byte(nil), sig...)
			bad[len(bad)-1] ^= 1
			if tc.alg.VerifyDigest(tc.key.Public(), d, bad) == nil {
				t.Error("a flipped bit verified")
			}
			if err := tc.alg.VerifyDigest(tc.other.Public(), d, sig); err == nil || !strings.Contains(err.Error(), tc.alg.KeyType()) {
				t.Errorf("verify under the other key type: %v, want an error naming %s", err, tc.alg.KeyType())
			}
			if _, err := tc.alg.SignDigest(tc.other, d); err == nil {
				t.Error("signed with a key of the other type")
			}
		})
	}
	if _, err := ParseSignatureAlgorithm("rsa4096"); err == nil {
		t.Error("unknown algorithm accepted")
	}
	if a, err := ParseSignatureAlgorithm(""); err != nil || a != SigRSA2048SHA256 {
		t.Errorf(`ParseSignatureAlgorithm("") = %v, %v`, a, err)
	}
}

// TestNextGenProfile loads p10, the provisional next-generation card, and checks what its
// generation section drives; p01 stays today's card.
func TestNextGenProfile(t *testing.T) {
	p, err := LoadProfile(filepath.Join(profilesDir, "p10-nextgen-provisional", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	g := p.Generation
	if diff := cmp.Diff([]App{CardSurfaceAP, JPKIAP}, g.Applications); diff != "" {
		t.Errorf("applications (-want +got):\n%s", diff)
	}
	if g.Name != "nextgen" || !g.Provisional || g.CardKeyAlgorithm != SigECDSAP384SHA384 || g.DataSignatureAlgorithm != SigECDSAP384SHA384 || !g.SexOnChipOnly || g.IsToday() {
		t.Errorf("generation = %+v", g)
	}
	if !strings.Contains(g.Label(), ProvisionalNotice) {
		t.Errorf("label %q does not say %q", g.Label(), ProvisionalNotice)
	}
	if g.Has(TextAP) || g.Has(JukiAP) || g.Has(CommonAP) || !g.Has(CardSurfaceAP) || !g.Has(JPKIAP) {
		t.Error("Has disagrees with the applications")
	}
	k, ok := p.CardSigner()
	if !ok {
		t.Fatal("no card signer")
	}
	if typ, _ := KeyTypeOf(k.Public()); typ != "ECDSA P-384" {
		t.Errorf("card key is %s", typ)
	}
	// Check code B from the face's Western form: 950615 2038 2028.
	want, err := NewCheckCodeB(p.Person.BirthDate, DateFormWestern, 2038, "2028")
	if err != nil {
		t.Fatal(err)
	}
	if !p.CheckCodeB().Equal(want) || p.Person.DateForm != DateFormWestern {
		t.Error("check code B is not built from the Western face form")
	}

	p01, err := LoadProfile(filepath.Join(profilesDir, "p01-showa", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !p01.Generation.IsToday() || p01.Generation.Label() != "current" || !p01.Generation.Has(TextAP) {
		t.Errorf("p01 generation = %+v", p01.Generation)
	}
	if k, _ := p01.CardSigner(); k == nil || k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(p01.keys[RoleCard].Public()) == false {
		t.Error("p01's card signer is not its RSA card key")
	}
}

// TestGenerationErrors: each bad generation section is an error naming its field, and the
// P-384 profile given an RSA key file says which key type it found and wanted.
func TestGenerationErrors(t *testing.T) {
	ek, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM, err := EncodeCardKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p256PEM, _ := EncodeCardKey(p256)
	nextgen := map[string]any{
		"name": "nextgen", "provisional": true, "card_key_algorithm": "ecdsa-p384-sha384",
		"card_key": "card-key-p384.pem", "applications": []any{"surface", "jpki"},
	}
	with := func(changes map[string]any) func(map[string]any) {
		return func(m map[string]any) {
			g := map[string]any{}
			for k, v := range nextgen {
				g[k] = v
			}
			for k, v := range changes {
				if v == deleteField {
					delete(g, k)
				} else {
					g[k] = v
				}
			}
			m["generation"] = g
		}
	}
	for _, tc := range []struct {
		name    string
		mutate  func(map[string]any)
		keyFile []byte
		field   string
		want    []string
	}{
		{"valid", with(nil), ecPEM, "", nil},
		{"RSA key file for P-384", with(map[string]any{"card_key": "keys.pem"}), ecPEM, "generation.card_key",
			[]string{"RSA-2048", "ecdsa-p384-sha384 wants an ECDSA P-384 key"}},
		{"P-256 key for P-384", with(nil), p256PEM, "generation.card_key", []string{"not on P-384"}},
		{"no card key", with(map[string]any{"card_key": deleteField}), ecPEM, "generation.card_key", []string{"missing"}},
		{"card key with RSA", with(map[string]any{"card_key_algorithm": "rsa2048-pkcs1v15-sha256"}), ecPEM, "generation.card_key", []string{"only for"}},
		{"unknown algorithm", with(map[string]any{"card_key_algorithm": "ed25519"}), ecPEM, "generation.card_key_algorithm", []string{"must be"}},
		{"unknown application", with(map[string]any{"applications": []any{"surface", "health"}}), ecPEM, "generation.applications[1]", []string{"unknown application"}},
		{"licence application", with(map[string]any{"applications": []any{"surface", "licence"}}), ecPEM, "generation.applications[1]", []string{"licence section"}},
		{"application twice", with(map[string]any{"applications": []any{"jpki", "jpki"}}), ecPEM, "generation.applications[1]", []string{"twice"}},
		{"no application", with(map[string]any{"applications": []any{}}), ecPEM, "generation.applications", []string{"at least one"}},
		{"face form disagrees", with(map[string]any{"face_date_form": "western"}), ecPEM, "generation.face_date_form", []string{"person.date_form"}},
		{"bad name", with(map[string]any{"name": "Next Gen"}), ecPEM, "generation.name", []string{"must be"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeProfileSet(t, tc.mutate)
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), "card-key-p384.pem"), tc.keyFile, 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := LoadProfile(path)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.Generation.CardKeyAlgorithm != SigECDSAP384SHA384 {
					t.Errorf("algorithm %v", p.Generation.CardKeyAlgorithm)
				}
				return
			}
			if p != nil || err == nil {
				t.Fatal("loaded")
			}
			var pe *ProfileError
			if !errors.As(err, &pe) || pe.Field != tc.field {
				t.Fatalf("error %v, want one on field %s", err, tc.field)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, s := range baseSecrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows a secret or personal value")
				}
			}
		})
	}
}

// TestGenerationPrintsNoKey: fmt shows a generation's label and algorithm, never its key.
func TestGenerationPrintsNoKey(t *testing.T) {
	p, err := LoadProfile(filepath.Join(profilesDir, "p10-nextgen-provisional", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := p.CardSigner()
	d := k.(*ecdsa.PrivateKey).D.String()
	for _, s := range []string{fmt.Sprint(p.Generation), fmt.Sprintf("%+v", p.Generation), fmt.Sprintf("%#v", []any{p.Generation})} {
		if strings.Contains(s, d) || !strings.Contains(s, "ecdsa-p384-sha384") && !strings.Contains(s, "Generation") {
			t.Errorf("printed %q", s)
		}
	}
}

// TestDataSignatureKeys: generation.data_signature_algorithm makes the card-surface CA and
// issuer keys come from generation.data_signature_keys; p10 has them in P-384, today's
// profiles keep the set's RSA keys, and each bad setting is an error naming its field — an RSA
// key file for ECDSA data signatures names both key types.
func TestDataSignatureKeys(t *testing.T) {
	p10, err := LoadProfile(filepath.Join(profilesDir, "p10-nextgen-provisional", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p10.Generation.DataSignatureAlgorithm != SigECDSAP384SHA384 {
		t.Errorf("p10 data signatures %s", p10.Generation.DataSignatureAlgorithm)
	}
	ca, iss, ok := p10.SurfaceSigners()
	if !ok {
		t.Fatal("p10: no surface signers")
	}
	for _, k := range []crypto.Signer{ca, iss} {
		if typ, _ := KeyTypeOf(k.Public()); typ != "ECDSA P-384" {
			t.Errorf("p10 surface key is %s", typ)
		}
	}
	p01, err := LoadProfile(filepath.Join(profilesDir, "p01-showa", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ca, iss, ok := p01.SurfaceSigners(); !ok || ca != crypto.Signer(p01.keys[RoleCVCAKenkaku]) || iss != crypto.Signer(p01.keys[RoleCVIssuerKenkaku]) {
		t.Error("p01's surface signers are not the set's RSA keys")
	}

	keys := map[string]crypto.Signer{}
	for _, r := range DataSignatureRoles() {
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[r] = k
	}
	ecPEM, err := EncodeAlgorithmKeys(keys, DataSignatureRoles())
	if err != nil {
		t.Fatal(err)
	}
	onlyCA, err := EncodeAlgorithmKeys(keys, []string{RoleCVCAKenkaku})
	if err != nil {
		t.Fatal(err)
	}
	gen := func(changes map[string]any) func(map[string]any) {
		return func(m map[string]any) {
			g := map[string]any{"data_signature_algorithm": "ecdsa-p384-sha384", "data_signature_keys": "surface-ec.pem"}
			for k, v := range changes {
				if v == deleteField {
					delete(g, k)
				} else {
					g[k] = v
				}
			}
			m["generation"] = g
		}
	}
	for _, tc := range []struct {
		name    string
		mutate  func(map[string]any)
		keyFile []byte
		field   string
		want    []string
	}{
		{"valid", gen(nil), ecPEM, "", nil},
		{"RSA key file for ECDSA data signatures", gen(map[string]any{"data_signature_keys": "../testca/keys.pem"}), ecPEM, "generation.data_signature_keys",
			[]string{`"cv-ca-kenkaku" key holds an RSA-2048 key`, "ecdsa-p384-sha384 wants an ECDSA P-384 key"}},
		{"issuer key missing", gen(nil), onlyCA, "generation.data_signature_keys", []string{`no "cv-issuer-kenkaku" key`}},
		{"no key file", gen(map[string]any{"data_signature_keys": deleteField}), ecPEM, "generation.data_signature_keys", []string{"missing"}},
		{"key file with RSA", gen(map[string]any{"data_signature_algorithm": "rsa2048-pkcs1v15-sha256"}), ecPEM, "generation.data_signature_keys", []string{"only for"}},
		{"unknown algorithm", gen(map[string]any{"data_signature_algorithm": "ed25519"}), ecPEM, "generation.data_signature_algorithm", []string{"must be"}},
		{"absent file", gen(map[string]any{"data_signature_keys": "nope.pem"}), ecPEM, "generation.data_signature_keys", []string{"does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeProfileSet(t, tc.mutate)
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), "surface-ec.pem"), tc.keyFile, 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := LoadProfile(path)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				ca, _, _ := p.SurfaceSigners()
				if p.Generation.DataSignatureAlgorithm != SigECDSAP384SHA384 || p.Generation.IsToday() || !ca.Public().(*ecdsa.PublicKey).Equal(keys[RoleCVCAKenkaku].Public()) {
					t.Errorf("generation %+v", p.Generation)
				}
				return
			}
			if p != nil || err == nil {
				t.Fatal("loaded")
			}
			var pe *ProfileError
			if !errors.As(err, &pe) || pe.Field != tc.field {
				t.Fatalf("error %v, want one on field %s", err, tc.field)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
