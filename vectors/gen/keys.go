package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
)

// keyBits is the modulus size of every test key.
const keyBits = 2048

// pemType is the PEM block type of a PKCS#8 private key.
const pemType = "PRIVATE KEY"

// roleHeader is the PEM header naming a key's role.
const roleHeader = "Role"

// roleKey is one parsed key of a keys.pem file.
type roleKey struct {
	// role is the value of the block's Role header.
	role string
	// key is the RSA private key.
	key *rsa.PrivateKey
}

// generateKeys makes a fresh RSA-2048 (e=65537) key for each role and returns
// them as PKCS#8 PEM blocks with a Role header, in the order of roles.
func generateKeys(roles []string) ([]byte, error) {
	var out []byte
	for _, role := range roles {
		k, err := rsa.GenerateKey(rand.Reader, keyBits)
		if err != nil {
			return nil, fmt.Errorf("generate %s key: %w", role, err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("marshal %s key: %w", role, err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{
			Type:    pemType,
			Headers: map[string]string{roleHeader: role},
			Bytes:   der,
		})...)
	}
	return out, nil
}

// parseKeys decodes a keys.pem file and checks that it holds exactly one
// RSA-2048, e=65537 PKCS#8 key for each of roles and nothing else.
func parseKeys(data []byte, roles []string) ([]roleKey, error) {
	var keys []roleKey
	seen := map[string]bool{}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		role := b.Headers[roleHeader]
		if b.Type != pemType {
			return nil, fmt.Errorf("block %d (role %q): type %q, want %q", len(keys), role, b.Type, pemType)
		}
		if !slices.Contains(roles, role) {
			return nil, fmt.Errorf("block %d: unexpected role %q", len(keys), role)
		}
		if seen[role] {
			return nil, fmt.Errorf("block %d: duplicate role %q", len(keys), role)
		}
		seen[role] = true
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("role %q: parse PKCS#8: %w", role, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("role %q: key is %T, want RSA", role, k)
		}
		if n := rk.N.BitLen(); n != keyBits {
			return nil, fmt.Errorf("role %q: %d-bit modulus, want %d", role, n, keyBits)
		}
		if rk.E != 65537 {
			return nil, fmt.Errorf("role %q: public exponent %d, want 65537", role, rk.E)
		}
		if err := rk.Validate(); err != nil {
			return nil, fmt.Errorf("role %q: %w", role, err)
		}
		keys = append(keys, roleKey{role: role, key: rk})
	}
	var missing []string
	for _, r := range roles {
		if !seen[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing roles %q", missing)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM blocks")
	}
	return keys, nil
}
