package myna

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testKeys loads the fixed keys of the test PKI (vectors/profiles/testca) and of p01's card,
// one per role, once per test binary: generating nine RSA-2048 keys per run costs seconds.
var testKeys = sync.OnceValue(func() map[string]*rsa.PrivateKey {
	m := map[string]*rsa.PrivateKey{}
	for _, path := range []string{"../vectors/profiles/testca/keys.pem", "../vectors/profiles/p01-showa/keys.pem"} {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		keys, err := ParseKeys(data)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", path, err))
		}
		maps.Copy(m, keys)
	}
	for _, r := range append(SetKeyRoles(), CardKeyRoles()...) {
		if m[r] == nil {
			panic("fixed test keys: no key for role " + r)
		}
	}
	return m
})

// keyPEM encodes keys of the given roles as PKCS#8 PEM blocks with Role headers (the older
// form ParseKeys still reads).
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
	if err := CheckKeyRoles(got, CardKeyRoles()); err != nil {
		t.Errorf("CheckKeyRoles: %v", err)
	}
	if err := CheckKeyRoles(got, SetKeyRoles()); err == nil || !strings.Contains(err.Error(), `missing role "cv-ca-kenkaku"`) {
		t.Errorf("CheckKeyRoles(set): %v", err)
	}
	all, _ := ParseKeys(append(keyPEM(t, keys, SetKeyRoles()...), data...))
	if err := CheckKeyRoles(all, CardKeyRoles()); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("CheckKeyRoles(extra): %v", err)
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
		{"no role", block("PRIVATE KEY", "", der), `has no role: want a line "Role: <role>"`},
		{"role line not just before", append([]byte("Role: card\nsome other text\n"), block("PRIVATE KEY", "", der)...), "has no role"},
		{"line and header disagree", append([]byte("Role: card\n"), block("PRIVATE KEY", RoleCommonIA, der)...), "disagree"},
		{"unknown role line", append([]byte("Role: root\n"), block("PRIVATE KEY", "", der)...), `unknown role "root"`},
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

// EncodeKeys writes the role line before each block; ParseKeys reads it back,
// and the blocks carry no PEM headers, so OpenSSL reads the file too.
func TestEncodeKeysRoundTrip(t *testing.T) {
	keys := testKeys()
	data, err := EncodeKeys(keys, CardKeyRoles())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(PEMRoleLine+CardKeyRoles()[0]+"\n-----BEGIN PRIVATE KEY-----\n")) {
		t.Fatalf("file starts %q", data[:60])
	}
	got, err := ParseKeys(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckKeyRoles(got, CardKeyRoles()); err != nil {
		t.Fatal(err)
	}
	for _, r := range CardKeyRoles() {
		if !got[r].Equal(keys[r]) {
			t.Errorf("role %s: another key came back", r)
		}
	}
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if len(b.Headers) != 0 {
			t.Errorf("a block carries PEM headers %v", b.Headers)
		}
	}
	if _, err := EncodeKeys(keys, []string{"nobody"}); err == nil {
		t.Error("EncodeKeys of a role without a key")
	}
	// Older files with a Role header inside the block still load.
	legacy, err := ParseKeys(keyPEM(t, keys, CardKeyRoles()...))
	if err != nil || CheckKeyRoles(legacy, CardKeyRoles()) != nil {
		t.Errorf("legacy form: %v", err)
	}
}

// The committed key files are read by OpenSSL (one key per file is enough to
// show the format; openssl pkey reads the first block).
func TestCommittedKeyFilesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	files, _ := filepath.Glob(filepath.Join(profilesDir, "*", "keys.pem"))
	if len(files) == 0 {
		t.Fatal("no key files")
	}
	for _, f := range files {
		if out, err := exec.Command(openssl, "pkey", "-in", f, "-noout").CombinedOutput(); err != nil {
			t.Errorf("openssl pkey %s: %v\n%s", f, err, out)
		}
	}
}
