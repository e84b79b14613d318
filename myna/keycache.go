package myna

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"maps"
	"sync"
)

// maxCached bounds each cache below: a run loads a few dozen distinct keys and key files (one
// set file, five keys per card); a fuzzer can make more, which are parsed and checked but not
// kept.
const maxCached = 256

// hashCache maps the SHA-256 of an input to what parsing it gave, for inputs that parsed: a
// refused input is parsed again and refused with the same error.
type hashCache[V any] struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]V
}

func (c *hashCache[V]) get(sum [sha256.Size]byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[sum]
	return v, ok
}

func (c *hashCache[V]) put(sum [sha256.Size]byte, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[[sha256.Size]byte]V)
	}
	if len(c.m) < maxCached {
		c.m[sum] = v
	}
}

var (
	// derKeys holds the RSA keys parsed and validated from PKCS#8 DER. Parsing and validating
	// an RSA-2048 key takes about 0.3 ms; a key is immutable once parsed, so callers share it.
	derKeys hashCache[*rsa.PrivateKey]
	// keyFiles holds whole key files parsed by ParseKeys: every profile of a run names the same
	// set key file, and decoding its PEM is most of the cost of loading a profile. Callers get
	// their own copy of the map.
	keyFiles hashCache[map[string]*rsa.PrivateKey]
)

// parseRSAKey parses PKCS#8 DER into an RSA key that passes rsa.PrivateKey.Validate, with the
// role for errors; a DER seen before is answered from derKeys.
func parseRSAKey(role string, der []byte) (*rsa.PrivateKey, error) {
	sum := sha256.Sum256(der)
	if k, ok := derKeys.get(sum); ok {
		return k, nil
	}
	k, err := checkRSAKey(role, der)
	if err != nil {
		return nil, err
	}
	derKeys.put(sum, k)
	return k, nil
}

// cachedKeyFile returns the keys of a key file parsed before, as a map of the caller's own.
func cachedKeyFile(sum [sha256.Size]byte) (map[string]*rsa.PrivateKey, bool) {
	keys, ok := keyFiles.get(sum)
	return maps.Clone(keys), ok
}

// checkRSAKey is parseRSAKey without the cache.
func checkRSAKey(role string, der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("myna: role %q: not a PKCS#8 private key: %w", role, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("myna: role %q: key is %T, want RSA", role, k)
	}
	if rk.N.BitLen() != KeyBits || rk.E != 65537 {
		return nil, fmt.Errorf("myna: role %q: want RSA-%d with e=65537, got RSA-%d with e=%d", role, KeyBits, rk.N.BitLen(), rk.E)
	}
	if err := rk.Validate(); err != nil {
		return nil, fmt.Errorf("myna: role %q: %w", role, err)
	}
	return rk, nil
}
