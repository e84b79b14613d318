package myna

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
)

// testKeys generates one RSA-2048 key per role, once per test binary, in parallel.
var testKeys = sync.OnceValue(func() map[string]*rsa.PrivateKey {
	roles := append(SetKeyRoles(), CardKeyRoles()...)
	keys := make([]*rsa.PrivateKey, len(roles))
	var wg sync.WaitGroup
	for i := range roles {
		wg.Go(func() {
			k, err := rsa.GenerateKey(rand.Reader, KeyBits)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	m := make(map[string]*rsa.PrivateKey, len(roles))
	for i, r := range roles {
		m[r] = keys[i]
	}
	return m
})

// keyPEM encodes keys of the given roles as PKCS#8 PEM blocks with Role headers.
func keyPEM(t testing.TB, keys map[string]*rsa.PrivateKey, roles ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, r := range roles {
		der, err := x509.MarshalPKCS8PrivateKey(keys[r])
		if err != nil {
			t.Fatal(err)
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"Role": r}, Bytes: der}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestParseKeys(t *testing.T) {
	keys := testKeys()
	data := keyPEM(t, keys, CardKeyRoles()...)
	// Other PEM blocks (e.g. a certificate) are ignored.
	data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})...)
	got, err := ParseKeys(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(CardKeyRoles()) {
		t.Errorf("got %d keys", len(got))
	}
	for _, r := range CardKeyRoles() {
		if got[r] == nil || !got[r].Equal(keys[r]) {
			t.Errorf("role %s: wrong key", r)
		}
	}
	if err := checkRoles(got, CardKeyRoles()); err != nil {
		t.Errorf("checkRoles: %v", err)
	}
	if err := checkRoles(got, SetKeyRoles()); err == nil || !strings.Contains(err.Error(), `missing role "cv-ca-kenkaku"`) {
		t.Errorf("checkRoles(set): %v", err)
	}
	all, _ := ParseKeys(append(keyPEM(t, keys, SetKeyRoles()...), data...))
	if err := checkRoles(all, CardKeyRoles()); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("checkRoles(extra): %v", err)
	}
}

func TestParseKeysErrors(t *testing.T) {
	keys := testKeys()
	der, _ := x509.MarshalPKCS8PrivateKey(keys[RoleCard])
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	block := func(typ, role string, b []byte) []byte {
		h := map[string]string{}
		if role != "" {
			h["Role"] = role
		}
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: h, Bytes: b})
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"garbage", []byte("not a pem file"), "no PEM blocks"},
		{"pkcs1", block("RSA PRIVATE KEY", RoleCard, x509.MarshalPKCS1PrivateKey(keys[RoleCard])), "want unencrypted PKCS#8"},
		{"no role", block("PRIVATE KEY", "", der), `no "Role" header`},
		{"unknown role", block("PRIVATE KEY", "root", der), `unknown role "root"`},
		{"duplicate", append(block("PRIVATE KEY", RoleCard, der), block("PRIVATE KEY", RoleCard, der)...), "appears twice"},
		{"not pkcs8", block("PRIVATE KEY", RoleCard, []byte{0x30, 0x00}), "not a PKCS#8"},
		{"ec", block("PRIVATE KEY", RoleCard, ecDER), "want RSA"},
		{"1024", block("PRIVATE KEY", RoleCard, smallDER), "want RSA-2048"},
	}
	for _, tc := range cases {
		_, err := ParseKeys(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if m, err := ParseKeys(nil); err != nil || len(m) != 0 {
		t.Errorf("ParseKeys(nil) = %v, %v", m, err)
	}
}
