package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"

	"github.com/taimen-dev/taimen/myna"
)

// keyBits is the modulus size of every test key.
const keyBits = 2048

// roleKey is one parsed key of a keys.pem file.
type roleKey struct {
	// role is the key's role (the "Role: " line before its PEM block).
	role string
	// key is the RSA private key.
	key *rsa.PrivateKey
}

// generateKeys makes a fresh RSA-2048 (e=65537) key for each role and returns
// them in the key-file format of myna.EncodeKeys, in the order of roles.
func generateKeys(roles []string) ([]byte, error) {
	keys := make(map[string]*rsa.PrivateKey, len(roles))
	for _, role := range roles {
		k, err := rsa.GenerateKey(rand.Reader, keyBits)
		if err != nil {
			return nil, fmt.Errorf("generate %s key: %w", role, err)
		}
		keys[role] = k
	}
	return myna.EncodeKeys(keys, roles)
}

// parseKeys decodes a keys.pem file with myna.ParseKeys and checks that it
// holds exactly one key for each of roles and nothing else; the keys come
// back in the order of roles.
func parseKeys(data []byte, roles []string) ([]roleKey, error) {
	m, err := myna.ParseKeys(data)
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, errors.New("no PEM blocks")
	}
	if err := myna.CheckKeyRoles(m, roles); err != nil {
		return nil, err
	}
	keys := make([]roleKey, 0, len(roles))
	for _, r := range roles {
		keys = append(keys, roleKey{role: r, key: m[r]})
	}
	return keys, nil
}

// altCardKey makes the card key file of a non-RSA algorithm (a P-384 key for
// myna.SigECDSAP384SHA384) in the format of myna.EncodeCardKey, or checks the
// existing one when it is to be kept.
func (g *generator) altCardKey(path string, alg myna.SignatureAlgorithm) error {
	if exists(path) && (!g.force || g.keepKeys) {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := myna.ParseCardKey(data, alg); err != nil {
			return fmt.Errorf("%s: existing card key file is invalid (rerun with -force to replace it): %w", path, err)
		}
		fmt.Fprintf(g.log, "kept  %s\n", path)
		return nil
	}
	if alg != myna.SigECDSAP384SHA384 {
		return fmt.Errorf("%s: no generator for a %s card key", path, alg)
	}
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	data, err := myna.EncodeCardKey(k)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := writeFile(path, data); err != nil {
		return err
	}
	fmt.Fprintf(g.log, "wrote %s (%s card key)\n", path, alg.KeyType())
	return nil
}

// algKeys makes the key file of a non-RSA algorithm holding one key per role (P-384 keys for
// myna.SigECDSAP384SHA384) in the format of myna.EncodeAlgorithmKeys, or checks the existing one
// when it is to be kept: the set-level data signature keys (generation.data_signature_keys).
func (g *generator) algKeys(path string, alg myna.SignatureAlgorithm, roles []string) error {
	if exists(path) && (!g.force || g.keepKeys) {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := myna.ParseAlgorithmKeys(data, alg, roles...); err != nil {
			return fmt.Errorf("%s: existing key file is invalid (rerun with -force to replace it): %w", path, err)
		}
		fmt.Fprintf(g.log, "kept  %s\n", path)
		return nil
	}
	if alg != myna.SigECDSAP384SHA384 {
		return fmt.Errorf("%s: no generator for %s keys", path, alg)
	}
	keys := make(map[string]crypto.Signer, len(roles))
	for _, r := range roles {
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		keys[r] = k
	}
	data, err := myna.EncodeAlgorithmKeys(keys, roles)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := writeFile(path, data); err != nil {
		return err
	}
	fmt.Fprintf(g.log, "wrote %s (%d %s keys)\n", path, len(roles), alg.KeyType())
	return nil
}
