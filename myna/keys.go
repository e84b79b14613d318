package myna

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Key roles of the set-level key file (vectors/profiles/testca/keys.pem, docs/CONTRACTS.md).
const (
	RoleCVCAKenkaku     = "cv-ca-kenkaku"     // test J-LIS CA 9000023, signs the card-surface AP's CV certificate
	RoleCVCAKenhojo     = "cv-ca-kenhojo"     // test CA 9000033, signs the text AP's CV certificate
	RoleCVIssuerKenkaku = "cv-issuer-kenkaku" // the card-surface AP key in EF 0004, signs its data records
	RoleCVIssuerKenhojo = "cv-issuer-kenhojo" // the text AP key in EF 0004, signs its data records
	RoleJPKICAAuth      = "jpki-ca-auth"      // X.509 test CA of the JPKI authentication certificates
	RoleJPKICASign      = "jpki-ca-sign"      // X.509 test CA of the JPKI signature certificates
)

// Key roles of the per-card key file (vectors/profiles/<id>/keys.pem, docs/CONTRACTS.md).
const (
	RoleJPKIAuth       = "jpki-auth"       // JPKI EF 0017
	RoleJPKISign       = "jpki-sign"       // JPKI EF 001A
	RoleCard           = "card"            // card key: card-surface 001A and text AP 0013
	RoleKenhojoSession = "kenhojo-session" // text AP EF 0006, SET SESSION KEY
	RoleCommonIA       = "common-ia"       // common AP 0019, INTERNAL AUTHENTICATE
)

// SetKeyRoles returns the roles the set-level key file must hold.
func SetKeyRoles() []string {
	return []string{RoleCVCAKenkaku, RoleCVCAKenhojo, RoleCVIssuerKenkaku, RoleCVIssuerKenhojo, RoleJPKICAAuth, RoleJPKICASign}
}

// CardKeyRoles returns the roles a per-card key file must hold.
func CardKeyRoles() []string {
	return []string{RoleJPKIAuth, RoleJPKISign, RoleCard, RoleKenhojoSession, RoleCommonIA}
}

// KeyBits is the size of every RSA key on the card and in its test PKI.
const KeyBits = 2048

// PEMRoleLine begins the line, just before each key's "-----BEGIN PRIVATE KEY-----", that
// names the key's role ("Role: card"). It is explanatory text outside the PEM block (RFC 7468
// §5.2), so OpenSSL and every other PEM reader accept the file.
const PEMRoleLine = "Role: "

// pemRoleHeader is the older form: a "Role" header inside the block, which Go reads but
// OpenSSL refuses. ParseKeys still accepts it.
const pemRoleHeader = "Role"

// EncodeKeys writes the keys of roles, in that order, as unencrypted PKCS#8 PEM blocks,
// each preceded by its role line; the format ParseKeys reads.
func EncodeKeys(keys map[string]*rsa.PrivateKey, roles []string) ([]byte, error) {
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

// roleBefore returns the role named by the last non-empty line of text, the explanatory text
// between the previous PEM block and this one, or "" when that line is not a role line.
func roleBefore(text []byte) string {
	lines := strings.Split(strings.TrimRight(string(text), " \t\r\n"), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	role, ok := strings.CutPrefix(last, PEMRoleLine)
	if !ok {
		return ""
	}
	return strings.TrimSpace(role)
}

// ParseKeys reads PKCS#8 RSA private keys from PEM blocks of type "PRIVATE KEY", each named by
// a role line just before it (PEMRoleLine; a "Role" header inside the block is accepted too),
// into a map from role to key. Every key must be a valid RSA-2048 key with e = 65537 and every
// role must be known (SetKeyRoles, CardKeyRoles) and appear once. Blocks of other types
// (CERTIFICATE, PUBLIC KEY …) are ignored, except other private-key encodings, which are errors.
func ParseKeys(data []byte) (map[string]*rsa.PrivateKey, error) {
	sum := sha256.Sum256(data)
	if keys, ok := cachedKeyFile(sum); ok {
		return keys, nil
	}
	keys, err := parseKeys(data)
	if err == nil {
		keyFiles.put(sum, maps.Clone(keys))
	}
	return keys, err
}

func parseKeys(data []byte) (map[string]*rsa.PrivateKey, error) {
	known := append(append(SetKeyRoles(), CardKeyRoles()...), RoleLicenceIssuer)
	keys := make(map[string]*rsa.PrivateKey)
	rest := data
	for n := 1; ; n++ {
		var preamble []byte
		if i := bytes.Index(rest, []byte("-----BEGIN ")); i >= 0 {
			preamble = rest[:i]
		}
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
		case "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY":
			return nil, fmt.Errorf("myna: PEM block %d is %q; want unencrypted PKCS#8 \"PRIVATE KEY\"", n, b.Type)
		default:
			continue
		}
		role, header := roleBefore(preamble), b.Headers[pemRoleHeader]
		switch {
		case role == "" && header == "":
			return nil, fmt.Errorf("myna: PEM block %d has no role: want a line %q before it", n, PEMRoleLine+"<role>")
		case role == "":
			role = header
		case header != "" && header != role:
			return nil, fmt.Errorf("myna: PEM block %d: role line %q and Role header %q disagree", n, role, header)
		}
		if !slices.Contains(known, role) {
			return nil, fmt.Errorf("myna: PEM block %d: unknown role %q", n, role)
		}
		if _, dup := keys[role]; dup {
			return nil, fmt.Errorf("myna: PEM block %d: role %q appears twice", n, role)
		}
		rk, err := parseRSAKey(role, b.Bytes)
		if err != nil {
			return nil, err
		}
		keys[role] = rk
	}
	if len(bytes.TrimSpace(rest)) != 0 && len(keys) == 0 {
		return nil, fmt.Errorf("myna: no PEM blocks found")
	}
	return keys, nil
}

// CheckKeyRoles reports the first role of want missing from keys, and any role in keys not in
// want: a key file must hold exactly its roles.
func CheckKeyRoles(keys map[string]*rsa.PrivateKey, want []string) error {
	for _, r := range want {
		if keys[r] == nil {
			return fmt.Errorf("missing role %q", r)
		}
	}
	var extra []string
	for r := range keys {
		if !slices.Contains(want, r) {
			extra = append(extra, r)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return fmt.Errorf("role %q does not belong in this file", extra[0])
	}
	return nil
}
