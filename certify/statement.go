package certify

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// FileStatement is the signed statement WriteStatement writes beside the reports.
const FileStatement = "statement.intoto.json"

// PredicateType identifies taimen's certification predicate in the in-toto
// Statement (a TypeURI: it names the schema, version in the path; it need
// not resolve). The predicate is documented in docs/face-to-face-2027.md.
const PredicateType = "https://taimen.dev/certification/v1"

// PayloadType is the DSSE payload type of an in-toto Statement.
const PayloadType = "application/vnd.in-toto+json"

// Subject roles, in the "role" annotation of each subject.
const (
	RoleReport = "report"            // a report file, resolved beside the statement
	RoleReader = "reader-executable" // the reader's executable (--subject)
)

// Predicate is the certification predicate: what was judged and the verdicts.
// Field names follow the in-toto predicate conventions (lowerCamelCase,
// RFC 3339 UTC times).
type Predicate struct {
	// Tool is the program that certified, e.g. "taimen 1.2.0"; TaimenVersion its version.
	Tool          string `json:"tool"`
	TaimenVersion string `json:"taimenVersion"`
	// ReportSchema is the schema of the JSON report among the subjects.
	ReportSchema string `json:"reportSchema"`
	// RuleSet names the rule set judged ("all" for a report made without one).
	RuleSet string `json:"ruleSet"`
	// Verdict is the overall verdict: pass, fail or error.
	Verdict Verdict `json:"verdict"`
	// Rules has one verdict per rule of the set.
	Rules []RuleVerdict `json:"rules"`
	// Scenarios lists the scenarios run, in order.
	Scenarios []ScenarioVerdict `json:"scenarios"`
	// Profile is the card profile; Command the reader under test as given.
	Profile string `json:"profile"`
	Command string `json:"command"`
	// StartedAt is when the certification run began; SignedAt when the statement was signed.
	StartedAt time.Time `json:"startedAt"`
	SignedAt  time.Time `json:"signedAt"`
}

// RuleVerdict is one rule's verdict over every scenario: fail if it failed
// in one, else error if a scenario was not run, else pass if it passed in
// one, else not-applicable.
type RuleVerdict struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Verdict  Outcome  `json:"verdict"`
	// FailedIn names the scenarios where the rule failed.
	FailedIn []string `json:"failedIn,omitempty"`
}

// ScenarioVerdict is one scenario's outcome: fail if a rule failed there,
// error if it could not be run, else pass.
type ScenarioVerdict struct {
	Name     string  `json:"name"`
	Verdict  Outcome `json:"verdict"`
	ExitCode int     `json:"exitCode"`
}

// StatementOptions configure the statement.
type StatementOptions struct {
	// Version is taimen's version.
	Version string
	// Subject, if set, is the reader's executable: its SHA-256 becomes a subject too.
	Subject string
	// Now is the signing time; zero is the current time.
	Now time.Time
}

// NewPredicate summarizes the report.
func (r *Report) NewPredicate(version string, now time.Time) Predicate {
	p := Predicate{Tool: r.Tool, TaimenVersion: version, ReportSchema: r.Schema, RuleSet: r.RuleSet, Verdict: r.Verdict,
		Profile: r.Profile, Command: r.Command, StartedAt: r.Started.UTC(), SignedAt: now.UTC(), Rules: []RuleVerdict{}, Scenarios: []ScenarioVerdict{}}
	if p.RuleSet == "" {
		p.RuleSet = RuleSetAll
	}
	for _, rule := range r.Rules {
		v := RuleVerdict{ID: rule.ID, Severity: rule.Severity, Title: rule.Title, Verdict: OutcomeNotApplicable}
		var errored, passed bool
		for _, sc := range r.Scenarios {
			for _, res := range sc.Results {
				if res.Rule != rule.ID {
					continue
				}
				switch res.Outcome {
				case OutcomeFail:
					v.FailedIn = append(v.FailedIn, sc.Name)
				case OutcomeError:
					errored = true
				case OutcomePass:
					passed = true
				}
			}
		}
		switch {
		case len(v.FailedIn) > 0:
			v.Verdict = OutcomeFail
		case errored:
			v.Verdict = OutcomeError
		case passed:
			v.Verdict = OutcomePass
		}
		p.Rules = append(p.Rules, v)
	}
	for _, sc := range r.Scenarios {
		v := ScenarioVerdict{Name: sc.Name, Verdict: OutcomePass, ExitCode: sc.ExitCode}
		for _, res := range sc.Results {
			if res.Outcome == OutcomeFail {
				v.Verdict = OutcomeFail
			}
		}
		if sc.Error != "" && v.Verdict != OutcomeFail {
			v.Verdict = OutcomeError
		}
		p.Scenarios = append(p.Scenarios, v)
	}
	return p
}

// NewStatement returns the in-toto Statement v1 of the report: one subject
// per report file (named by its base name, which is where verification looks
// for it: beside the statement) and, with o.Subject, the reader's executable.
func (r *Report) NewStatement(reportPaths []string, o StatementOptions) (*intoto.Statement, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	st := &intoto.Statement{Type: intoto.StatementTypeUri, PredicateType: PredicateType}
	add := func(path, role string) error {
		sum, err := sha256File(path)
		if err != nil {
			return fmt.Errorf("statement subject: %w", err)
		}
		ann, err := structpb.NewStruct(map[string]any{"role": role})
		if err != nil {
			return err
		}
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: filepath.Base(path), Digest: map[string]string{"sha256": sum}, Annotations: ann})
		return nil
	}
	for _, p := range reportPaths {
		if err := add(p, RoleReport); err != nil {
			return nil, err
		}
	}
	if o.Subject != "" {
		if err := add(o.Subject, RoleReader); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(r.NewPredicate(o.Version, o.Now))
	if err != nil {
		return nil, err
	}
	st.Predicate = &structpb.Struct{}
	if err := protojson.Unmarshal(b, st.Predicate); err != nil {
		return nil, fmt.Errorf("statement predicate: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return st, nil
}

// SignStatement serializes the statement and signs it with Ed25519 in a DSSE
// envelope; it returns the envelope as indented JSON.
func SignStatement(ctx context.Context, st *intoto.Statement, key ed25519.PrivateKey) ([]byte, error) {
	payload, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	sv, err := newSignerVerifier(key.Public().(ed25519.PublicKey), key)
	if err != nil {
		return nil, err
	}
	signer, err := dsse.NewEnvelopeSigner(sv)
	if err != nil {
		return nil, err
	}
	env, err := signer.SignPayload(ctx, PayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("sign the statement: %w", err)
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteStatement writes FileStatement into dir: the signed statement of the
// report files at reportPaths (as WriteFiles returned them). It returns its path.
func (r *Report) WriteStatement(ctx context.Context, dir string, reportPaths []string, key ed25519.PrivateKey, o StatementOptions) (string, error) {
	st, err := r.NewStatement(reportPaths, o)
	if err != nil {
		return "", err
	}
	b, err := SignStatement(ctx, st, key)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, FileStatement)
	if err := writeFile(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return "", fmt.Errorf("write the statement: %w", err)
	}
	return path, nil
}

// sha256File returns the hex SHA-256 of a regular file's content.
func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file (%s)", path, st.Mode().Type())
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// newSignerVerifier makes the DSSE signer (with priv) or verifier (priv nil).
func newSignerVerifier(pub ed25519.PublicKey, priv ed25519.PrivateKey) (*ed25519SignerVerifier, error) {
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("key id: %w", err)
	}
	return &ed25519SignerVerifier{priv: priv, pub: pub, keyID: id}, nil
}

// Sign signs the DSSE pre-authentication encoding.
func (s *ed25519SignerVerifier) Sign(_ context.Context, data []byte) ([]byte, error) {
	if s.priv == nil {
		return nil, errors.New("no private key")
	}
	return ed25519.Sign(s.priv, data), nil
}

// Verify checks an Ed25519 signature of the DSSE pre-authentication encoding.
func (s *ed25519SignerVerifier) Verify(_ context.Context, data, sig []byte) error {
	if !ed25519.Verify(s.pub, data, sig) {
		return errors.New("ed25519: invalid signature")
	}
	return nil
}

// KeyID is the SHA256 fingerprint of the public key (dsse.SHA256KeyID).
func (s *ed25519SignerVerifier) KeyID() (string, error) { return s.keyID, nil }

// Public returns the public key.
func (s *ed25519SignerVerifier) Public() crypto.PublicKey { return s.pub }
