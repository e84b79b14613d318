package myna

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"maps"
	"sync"
)

// maxCachedKeys bounds the DER → key cache: a run loads a few dozen distinct keys (one set
// file, five per card); a fuzzer can make more, which are parsed and checked but not kept.
const maxCachedKeys = 256

// keyCache holds the RSA keys parsed and validated from PKCS#8 DER, keyed by the DER's
// SHA-256. Parsing and validating an RSA-2048 key takes about 0.3 ms, and every profile of a
// run reads the same set key file; a key is immutable once parsed, so callers may share it.
var keyCache struct {
	sync.Mutex
	keys map[[sha256.Size]byte]*rsa.PrivateKey
}

// parseRSAKey parses PKCS#8 DER into an RSA key that passes rsa.PrivateKey.Validate, with the
// role for errors; a DER seen before is answered from keyCache. Only keys that pass every check
// are cached, so a refused DER is refused again with the same error.
func parseRSAKey(role string, der []byte) (*rsa.PrivateKey, error) {
	sum := sha256.Sum256(der)
	keyCache.Lock()
	k, ok := keyCache.keys[sum]
	keyCache.Unlock()
	if ok {
		return k, nil
	}
	k, err := checkRSAKey(role, der)
	if err != nil {
		return nil, err
	}
	keyCache.Lock()
	defer keyCache.Unlock()
	if keyCache.keys == nil {
		keyCache.keys = make(map[[sha256.Size]byte]*rsa.PrivateKey)
	}
	if len(keyCache.keys) < maxCachedKeys {
		keyCache.keys[sum] = k
	}
	return k, nil
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

// keyFileCache holds whole key files parsed by ParseKeys, keyed by the file's SHA-256: every
// profile of a run names the same set key file, and decoding its PEM is most of the cost of
// loading a profile. Callers get their own copy of the map.
var keyFileCache = &fileCache{files: map[[sha256.Size]byte]map[string]*rsa.PrivateKey{}}

type fileCache struct {
	sync.Mutex
	files map[[sha256.Size]byte]map[string]*rsa.PrivateKey
}

func (c *fileCache) get(sum [sha256.Size]byte) (map[string]*rsa.PrivateKey, bool) {
	c.Lock()
	defer c.Unlock()
	keys, ok := c.files[sum]
	return maps.Clone(keys), ok
}

func (c *fileCache) put(sum [sha256.Size]byte, keys map[string]*rsa.PrivateKey) {
	c.Lock()
	defer c.Unlock()
	if len(c.files) < maxCachedKeys {
		c.files[sum] = maps.Clone(keys)
	}
}
