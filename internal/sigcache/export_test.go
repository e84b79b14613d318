package sigcache

import (
	"crypto"
	"crypto/rsa"
)

// SignIn is SignPKCS1v15 with the cache directory d ("" for memory only).
func SignIn(d string, k *rsa.PrivateKey, hash crypto.Hash, digest []byte) ([]byte, error) {
	return sign(d, k, hash, digest)
}

// Forget empties the in-memory cache.
func Forget() {
	mu.Lock()
	defer mu.Unlock()
	clear(memory)
}

// ResolveDir is resolveDir.
var ResolveDir = resolveDir
