package certify

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/taimen-dev/taimen/internal/readfile"
)

// maxStatement bounds a statement file.
const maxStatement = 16 << 20

// Verification failures, wrapped by VerifyStatement's errors (which name the file).
var (
	// ErrStatementMalformed: the file is not a DSSE envelope holding an in-toto
	// Statement v1 with taimen's predicate (truncated, not JSON, bad base64…).
	ErrStatementMalformed = errors.New("malformed statement")
	// ErrBadSignature: no signature in the envelope verifies with the key.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrDigestMismatch: a subject file's SHA-256 differs from the statement's.
	ErrDigestMismatch = errors.New("digest differs")
	// ErrSubjectMissing: a subject file cannot be found or read.
	ErrSubjectMissing = errors.New("subject file missing")
)

// VerifyOptions configure VerifyStatement.
type VerifyOptions struct {
	// Subject is the reader's executable, checked against the statement's
	// reader-executable subject. Empty: that subject is looked up beside the
	// statement by its name.
	Subject string
}

// Verified is what a statement that verified says.
type Verified struct {
	// KeyID is the signing key's ID (dsse.SHA256KeyID).
	KeyID string
	// Subjects are the files checked, each with its role and path.
	Subjects []VerifiedSubject
	// Predicate is the signed predicate.
	Predicate Predicate
}

// VerifiedSubject is one subject whose digest matched.
type VerifiedSubject struct {
	Name, Role, Path, SHA256 string
}

// VerifyStatement checks the statement at path: its DSSE signature with pub,
// that it is an in-toto Statement v1 of taimen's predicate type, and that
// every subject's SHA-256 matches its file. Report subjects are resolved by
// name in the statement's directory; the reader's executable at o.Subject,
// else by name in that directory. Errors wrap ErrStatementMalformed,
// ErrBadSignature, ErrDigestMismatch or ErrSubjectMissing and name the file.
func VerifyStatement(ctx context.Context, path string, pub ed25519.PublicKey, o VerifyOptions) (*Verified, error) {
	b, err := readfile.Regular(path, maxStatement)
	if err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrStatementMalformed, err)
	}
	sv, err := newSignerVerifier(pub, nil)
	if err != nil {
		return nil, err
	}
	ev, err := dsse.NewEnvelopeVerifier(sv)
	if err != nil {
		return nil, err
	}
	accepted, payload, err := ev.VerifyAndDecode(ctx, env)
	if err != nil || len(accepted) == 0 {
		var ids []string
		for _, s := range env.Signatures {
			ids = append(ids, s.KeyID)
		}
		return nil, fmt.Errorf("%s: %w with the key given (key id %s; the envelope's signatures name %s): the envelope was changed or signed with another key",
			path, ErrBadSignature, sv.keyID, strings.Join(ids, ", "))
	}
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%s: %w: the payload is not an in-toto Statement: %v", path, ErrStatementMalformed, err)
	}
	if err := st.Validate(); err != nil || st.GetType() != intoto.StatementTypeUri || st.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("%s: %w: want an in-toto Statement v1 (%s) of predicate type %s, got %s of %s (%v)",
			path, ErrStatementMalformed, intoto.StatementTypeUri, PredicateType, st.GetType(), st.GetPredicateType(), err)
	}
	v := &Verified{KeyID: accepted[0].KeyID}
	pb, err := protojson.Marshal(st.GetPredicate())
	if err == nil {
		err = json.Unmarshal(pb, &v.Predicate)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: predicate: %v", path, ErrStatementMalformed, err)
	}
	dir := filepath.Dir(path)
	haveReader := false
	for _, sub := range st.GetSubject() {
		name := sub.GetName()
		if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("%s: %w: subject name %q is not a plain file name", path, ErrStatementMalformed, name)
		}
		want := sub.GetDigest()["sha256"]
		if want == "" {
			return nil, fmt.Errorf("%s: %w: subject %s has no sha256 digest", path, ErrStatementMalformed, name)
		}
		role := RoleReport
		if r, ok := sub.GetAnnotations().GetFields()["role"]; ok {
			role = r.GetStringValue()
		}
		file := filepath.Join(dir, name)
		if role == RoleReader {
			haveReader = true
			if o.Subject != "" {
				file = o.Subject
			}
		}
		got, err := sha256File(file)
		if err != nil {
			hint := ""
			if role == RoleReader && o.Subject == "" {
				hint = " (the reader's executable: give it with --subject FILE)"
			}
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: %w%s", file, ErrSubjectMissing, hint)
			}
			return nil, fmt.Errorf("%s: %w: %v%s", file, ErrSubjectMissing, err, hint)
		}
		if got != want {
			return nil, fmt.Errorf("%s: %w: SHA-256 %s, the statement says %s: the file was changed after signing", file, ErrDigestMismatch, got, want)
		}
		v.Subjects = append(v.Subjects, VerifiedSubject{Name: name, Role: role, Path: file, SHA256: got})
	}
	if o.Subject != "" && !haveReader {
		return nil, fmt.Errorf("%s: %w: it has no reader-executable subject to check %s against (it was signed without --subject)", path, ErrDigestMismatch, o.Subject)
	}
	return v, nil
}

// parseEnvelope decodes a DSSE envelope strictly: JSON with no unknown
// field, the in-toto payload type, and canonical base64 (standard or URL
// alphabet) for the payload and every signature, so that no changed byte of
// the file can leave the signed content intact.
func parseEnvelope(b []byte) (*dsse.Envelope, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var env dsse.Envelope
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("not a DSSE envelope in JSON (truncated?): %v", err)
	}
	if dec.More() || !onlySpace(b[dec.InputOffset():]) {
		return nil, errors.New("data after the envelope")
	}
	if err := exactKeys(b); err != nil {
		return nil, err
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("payload type %q, want %q", env.PayloadType, PayloadType)
	}
	if _, err := strictBase64(env.Payload); err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	if len(env.Signatures) == 0 {
		return nil, errors.New("no signature")
	}
	for i, s := range env.Signatures {
		if _, err := strictBase64(s.Sig); err != nil {
			return nil, fmt.Errorf("signature %d: %v", i+1, err)
		}
	}
	return &env, nil
}

// strictBase64 decodes canonical base64: padding bits must be zero.
func strictBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding.Strict(), base64.URLEncoding.Strict()} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not canonical base64")
}

// exactKeys checks the envelope's member names exactly (encoding/json
// matches them without regard to case): "payloadType", "payload",
// "signatures", and "keyid", "sig" in each signature.
func exactKeys(b []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	var sigs []map[string]json.RawMessage
	if err := json.Unmarshal(top["signatures"], &sigs); err != nil {
		return fmt.Errorf("signatures: %v", err)
	}
	check := func(m map[string]json.RawMessage, names ...string) error {
		for k := range m {
			if !slices.Contains(names, k) {
				return fmt.Errorf("member %q, want one of %s", k, strings.Join(names, ", "))
			}
		}
		return nil
	}
	if err := check(top, "payloadType", "payload", "signatures"); err != nil {
		return err
	}
	for _, s := range sigs {
		if err := check(s, "keyid", "sig"); err != nil {
			return err
		}
	}
	return nil
}

func onlySpace(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// IsVerifyFailure reports whether err says the statement does not hold (as
// opposed to a problem reading the key or the statement file).
func IsVerifyFailure(err error) bool {
	return errors.Is(err, ErrStatementMalformed) || errors.Is(err, ErrBadSignature) || errors.Is(err, ErrDigestMismatch) || errors.Is(err, ErrSubjectMissing)
}
