package emulator

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/taimen-dev/taimen/internal/sigcache"
)

// OIDs of the JPKI signing certificate's subjectAltName other-names (MYNA-GO jpki_ap.go).
var (
	oidJPKIName       = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	oidJPKINameAlt    = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2}
	oidJPKISex        = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	oidJPKIBirthDate  = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	oidJPKIAddress    = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	oidJPKIAddressAlt = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6}
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
)

// jpkiHolder is what the signing certificate says about its holder.
type jpkiHolder struct {
	name, sex, birth, address string // birth as YYYYMMDD
}

// jpkiCerts are the four certificates of the JPKI application.
type jpkiCerts struct {
	authCA, auth, signCA, sign []byte // DER
}

// makeJPKICerts issues the test CA certificates and the holder's two
// certificates. Everything is derived from the inputs, so the same profile
// always gives the same bytes (RSA PKCS#1 v1.5 signing is deterministic).
func makeJPKICerts(cardID string, notBefore, notAfter time.Time, holder jpkiHolder,
	authCA, signCA, authKey, signKey *rsa.PrivateKey) (jpkiCerts, error) {
	var out jpkiCerts
	caFrom := time.Date(2015, 10, 5, 0, 0, 0, 0, time.UTC)
	caTo := time.Date(2040, 12, 31, 23, 59, 59, 0, time.UTC)
	ca := func(key *rsa.PrivateKey, ou string) ([]byte, *x509.Certificate, error) {
		tmpl := &x509.Certificate{
			SerialNumber:          serial("ca/" + ou),
			Subject:               pkix.Name{Country: []string{"JP"}, Organization: []string{"JPKI-TEST (taimen emulated card)"}, OrganizationalUnit: []string{ou}},
			NotBefore:             caFrom,
			NotAfter:              caTo,
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(nil, tmpl, tmpl, &key.PublicKey, sigcache.Signer(key))
		if err != nil {
			return nil, nil, err
		}
		cert, err := x509.ParseCertificate(der)
		return der, cert, err
	}
	var authCACert, signCACert *x509.Certificate
	var err error
	if out.authCA, authCACert, err = ca(authCA, "JPKI for user authentication (test)"); err != nil {
		return out, fmt.Errorf("JPKI authentication CA certificate: %w", err)
	}
	if out.signCA, signCACert, err = ca(signCA, "JPKI for digital signature (test)"); err != nil {
		return out, fmt.Errorf("JPKI signing CA certificate: %w", err)
	}
	// The authentication certificate names no one: its subject is an opaque ID.
	auth := &x509.Certificate{
		SerialNumber: serial(cardID + "/auth"),
		Subject:      pkix.Name{Country: []string{"JP"}, CommonName: opaqueID(cardID + "/auth")},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if out.auth, err = x509.CreateCertificate(nil, auth, authCACert, &authKey.PublicKey, sigcache.Signer(authCA)); err != nil {
		return out, fmt.Errorf("JPKI authentication certificate: %w", err)
	}
	san, err := jpkiSAN(holder)
	if err != nil {
		return out, err
	}
	sign := &x509.Certificate{
		SerialNumber:    serial(cardID + "/sign"),
		Subject:         pkix.Name{Country: []string{"JP"}, Locality: []string{"taimen"}, CommonName: opaqueID(cardID + "/sign")},
		NotBefore:       notBefore,
		NotAfter:        notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: oidSubjectAltName, Value: san}},
	}
	if out.sign, err = x509.CreateCertificate(nil, sign, signCACert, &signKey.PublicKey, sigcache.Signer(signCA)); err != nil {
		return out, fmt.Errorf("JPKI signing certificate: %w", err)
	}
	return out, nil
}

// jpkiSAN encodes GeneralNames with one otherName per holder attribute:
// otherName ::= [0] { type-id OID, value [0] EXPLICIT UTF8String }.
func jpkiSAN(h jpkiHolder) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, a := range []struct {
			oid asn1.ObjectIdentifier
			v   string
		}{
			{oidJPKIName, h.name}, {oidJPKINameAlt, h.name}, {oidJPKISex, h.sex},
			{oidJPKIBirthDate, h.birth}, {oidJPKIAddress, h.address}, {oidJPKIAddressAlt, h.address},
		} {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(a.oid)
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(a.v)) })
				})
			})
		}
	})
	return b.Bytes()
}

// serial derives a positive certificate serial number from a label.
func serial(label string) *big.Int {
	h := sha256.Sum256([]byte("taimen serial " + label))
	h[0] &= 0x7F
	return new(big.Int).SetBytes(h[:16])
}

// opaqueID derives a 15-character identifier like those in real JPKI subjects.
func opaqueID(label string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	h := sha256.Sum256([]byte("taimen id " + label))
	out := make([]byte, 15)
	for i := range out {
		out[i] = alphabet[int(h[i])%len(alphabet)]
	}
	return string(out)
}
